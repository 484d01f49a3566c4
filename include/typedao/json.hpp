#ifndef TYPEDAO_JSON_HPP
#define TYPEDAO_JSON_HPP

/// jsonb columns: records (described structs that are not entities), maps
/// std::map<std::string, T>, and raw JSON values (boost::json::value / object / array).
///
/// Opt-in: include this header where such members are declared and link the CMake target
/// typedao::json (typedao::typedao + Boost::json, the compiled Boost.JSON library). The rest of
/// typedao never includes Boost.JSON.
///
/// Mapping inside JSON (docs/types.md):
///   bool -> true/false; int16/32/64 -> integer; float/double -> number (finite only);
///   std::string -> string; typedao::bytes -> base64 string; uuid -> "xxxxxxxx-...";
///   timestamp -> "2024-05-01T12:00:00.123456Z" / "infinity"; date -> "2024-05-01";
///   numeric -> its canonical text as a string ("12.50", "NaN"); described enum -> its name;
///   std::optional<T> -> T or null; std::vector<T> / std::set<T> -> array;
///   std::map<std::string, T> -> object; record -> object (members by name, declaration order);
///   boost::json::value / object / array -> themselves.
/// Decoding (the stored JSON may be older or newer than the struct):
///   a missing member keeps the value it has in a default-constructed record (std::optional:
///   nullopt); a member the struct does not have is ignored; a wrong JSON type, null for a
///   non-optional member, an integer out of range, an unknown enumerator, a malformed uuid /
///   timestamp / date / numeric / base64 is an error naming the path: "limits.burst: expected an
///   integer, got a string" (the DAO reports DATABASE_ERROR).
/// Before sending, the DAO reports SCHEMA_VIOLATIONs for what jsonb cannot store: NaN and
/// infinities, strings with NUL bytes or invalid UTF-8 (also in keys), enum values that are not
/// enumerators, nesting deeper than typedao::max_json_depth.
///
/// Map a type of your own inside JSON by specialising typedao::customize::json_mapping<T>:
///   static void to_json(const T& v, boost::json::value& out);
///   static const char* from_json(const boost::json::value& in, T& out);  // nullptr or a message
/// (typedao::dynamic_message builds a message at run time; typedao::json_kind_name(in) names
/// what `in` is).

#include <typedao/json/check.hpp>
#include <typedao/json/jsonb.hpp>
#include <typedao/json/read.hpp>
#include <typedao/json/text.hpp>
#include <typedao/json/write.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace typedao {

namespace customize {

/// jsonb: records, std::map<std::string, T>, boost::json::value / object / array. Binary jsonb
/// is a version byte (1) and the JSON text. jsonb[] for std::vector of them.
template <class T>
  requires detail::jsonb_column<T>
struct codec<T> {
  static constexpr oid_t oid = 3802;
  static constexpr oid_t array_oid = 3807;
  static constexpr std::string_view sql_type = "jsonb";

  /// Throws std::invalid_argument for NaN / infinite floats and enum values that are no
  /// enumerator (the DAO reports them as schema violations before it gets here).
  static void encode(const T& v, param_writer& w) {
    if constexpr (std::is_same_v<T, boost::json::value>) {
      detail::write_jsonb(v, w);
    } else {
      boost::json::value j;
      detail::to_json<T, T>(v, j);
      detail::write_jsonb(j, w);
    }
  }

  static const char* decode(const char* data, std::size_t n, T& out) noexcept {
    std::string_view text;
    if (const char* err = detail::jsonb_text(data, n, text)) return err;
    if constexpr (std::is_same_v<T, boost::json::value>) {
      boost::json::value v;  // default storage: it becomes the member
      if (const char* err = detail::parse_json_text(text, v)) return err;
      out = std::move(v);
      return nullptr;
    } else {
      // The document only lives while it is mapped: a monotonic arena, no frees.
      unsigned char buf[4096];
      boost::json::monotonic_resource mr(buf, sizeof buf);
      boost::json::value v(&mr);
      if (const char* err = detail::parse_json_text(text, v)) return err;
      try {
        detail::json_path path;
        return detail::from_json(v, out, path);
      } catch (const std::bad_alloc&) {
        return "out of memory";
      } catch (const std::exception& e) {  // from a user's json_mapping
        return dynamic_message({"exception while mapping JSON: ", e.what()});
      } catch (...) {
        return "exception while mapping JSON";
      }
    }
  }

  /// The JSON text, compact.
  static void render(const T& v, std::string& out) {
    if constexpr (std::is_same_v<T, boost::json::value>) {
      out += boost::json::serialize(v);
    } else {
      boost::json::value j;
      try {
        detail::to_json<T, T>(v, j);
      } catch (const std::invalid_argument&) {
        out += "<not representable as JSON>";
        return;
      }
      out += boost::json::serialize(j);
    }
  }

  template <class Report>
  static void check(const T& v, Report&& report) {
    detail::json_checker<std::remove_reference_t<Report>> c{report, {}};
    c.value(v, 1);
  }
};

}  // namespace customize
}  // namespace typedao

#endif
