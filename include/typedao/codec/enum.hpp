#ifndef TYPEDAO_CODEC_ENUM_HPP
#define TYPEDAO_CODEC_ENUM_HPP

// Enums described with BOOST_DESCRIBE_ENUM, stored as text (the enumerator's name).
// Include <typedao/codec.hpp>, not this header.

#include <typedao/codec/core.hpp>

#include <boost/describe/enum.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace typedao {

/// An enum type described with BOOST_DESCRIBE_ENUM (and so stored as text).
template <class E>
concept described_enum = std::is_enum_v<E> && boost::describe::has_describe_enumerators<E>::value;

namespace detail {

// The name of an enumerator, or nullptr for a value that is none of them. The first name wins
// when two enumerators share a value.
template <described_enum E>
const char* enumerator_name(E v) noexcept {
  const char* name = nullptr;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (!name && d.value == v) name = d.name;
  });
  return name;
}

// The enumerator called `name`, if any.
template <described_enum E>
bool enumerator_from_name(std::string_view name, E& out) noexcept {
  bool found = false;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (!found && name == d.name) {
      out = d.value;
      found = true;
    }
  });
  return found;
}

// Kong's one_of message: "expected one of: http, https".
template <described_enum E>
std::string enumerator_list_message() {
  std::string m = "expected one of: ";
  bool first = true;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (!first) m += ", ";
    m += d.name;
    first = false;
  });
  return m;
}

}  // namespace detail

namespace customize {

/// A described enum: text holding the enumerator's name (zero copy). A value that is not an
/// enumerator is a schema violation before sending ("expected one of: ..."); encode() throws
/// std::invalid_argument for it. Decoding an unknown name fails (the DAO reports DATABASE_ERROR).
template <class E>
  requires described_enum<E>
struct codec<E> {
  static constexpr oid_t oid = 25;
  static constexpr oid_t array_oid = 1009;
  static constexpr std::string_view sql_type = "text";

  static void encode(const E& v, param_writer& w) {
    const char* name = detail::enumerator_name(v);
    if (!name)
      throw std::invalid_argument("typedao: enum value is not one of its described enumerators");
    w.set_ref(name, std::strlen(name));
  }

  static const char* decode(const char* data, std::size_t n, E& out) noexcept {
    const std::string_view s(n == 0 ? "" : data, n);
    if (detail::enumerator_from_name(s, out)) return nullptr;
    try {
      return dynamic_message({"unknown enumerator ", detail::quote_for_message(s)});
    } catch (...) {
      return "unknown enumerator";
    }
  }

  static void render(const E& v, std::string& out) {
    if (const char* name = detail::enumerator_name(v)) {
      detail::render_quoted(name, out);
    } else {
      detail::render_integer(+static_cast<std::underlying_type_t<E>>(v),
                             out);  // char-sized: as a number
    }
  }

  template <class Report>
  static void check(const E& v, Report&& report) {
    if (!detail::enumerator_name(v)) report("", detail::enumerator_list_message<E>());
  }
};

}  // namespace customize
}  // namespace typedao

#endif
