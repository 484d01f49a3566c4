#ifndef TYPEDAO_JSON_JSONB_HPP
#define TYPEDAO_JSON_JSONB_HPP

// The jsonb wire format: a version byte and JSON text, parsed with exact numbers.

#include <typedao/json/text.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value_stack.hpp>
#include <new>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace typedao::detail {

// ---- jsonb wire format --------------------------------------------------------------------------

// Boost.JSON's parser, but doubles from the number's text with std::from_chars (exact), so that
// a double stored in jsonb reads back bit for bit.
struct precise_json_handler {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack st;
  std::string number;  // the pieces of a number split across input buffers
  const char* error = nullptr;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, boost::json::string_view s, boost::json::error_code& ec) {
    std::string_view text(s.data(), s.size());
    if (!number.empty()) {
      number.append(s.data(), s.size());
      text = number;
    }
    double exact = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (r.ec == std::errc{} && r.ptr == text.data() + text.size()) {
      d = exact;
    } else if (!std::isfinite(d)) {
      error = "number out of range for a double";
      ec = boost::json::error::exception;
      return false;
    }
    // else: underflow; Boost.JSON's rounding to 0 or a subnormal stands.
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

// Parses JSON text into `out` (built in out's storage). nullptr or a message.
inline const char* parse_json_text(std::string_view text, boost::json::value& out) noexcept {
  try {
    boost::json::parse_options opt;
    opt.max_depth = max_json_depth;
    boost::json::basic_parser<precise_json_handler> p(opt);
    p.handler().st.reset(out.storage());
    boost::json::error_code ec;
    const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
    if (ec) {
      if (p.handler().error) return p.handler().error;
      if (ec == boost::json::error::too_deep) return "JSON nested too deeply";
      return dynamic_message({"invalid JSON: ", ec.message()});
    }
    if (used != text.size() || !p.done()) return "invalid JSON: trailing or missing characters";
    out = p.handler().st.release();
    return nullptr;
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (...) {
    return "invalid JSON";
  }
}

inline constexpr char jsonb_version = 1;

// The jsonb binary form: version byte 1, then the JSON text.
inline void write_jsonb(const boost::json::value& v, param_writer& w) {
  w.append(&jsonb_version, 1);
  boost::json::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) {
    const auto part = sr.read(buf, sizeof buf);
    w.append(part.data(), part.size());
  }
}

// The JSON text of a jsonb value (version byte checked).
inline const char* jsonb_text(const char* data, std::size_t n, std::string_view& text) noexcept {
  if (n == 0) return "empty jsonb value";
  if (data[0] != jsonb_version) return "unsupported jsonb version (expected 1)";
  text = std::string_view(data + 1, n - 1);
  return nullptr;
}

}  // namespace typedao::detail

#endif
