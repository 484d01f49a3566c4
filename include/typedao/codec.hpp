#ifndef TYPEDAO_CODEC_HPP
#define TYPEDAO_CODEC_HPP

/// Codecs: one per C++ type, between the value and PostgreSQL's binary wire format.
///
/// Specialise typedao::customize::codec<T> for your own types (docs/types.md has a full
/// example). A codec provides
///   static constexpr oid_t oid;                   // type oid sent with parameters, checked on
///   results static constexpr std::string_view sql_type;   // DDL type name: "bigint", "text[]"
///   static void encode(const T& v, param_writer& w);                    // may throw
///   static const char* decode(const char* data, std::size_t n, T& out) noexcept;
///       // nullptr on success, else a message ("expected 4 bytes"): a string literal, or text
///       // valid until the next decode on the same thread (dynamic_message). `out` is
///       // then unspecified. Never trust the bytes: check every length and every field.
///   static void render(const T& v, std::string& out);  // appends the value as Kong prints it
/// and optionally
///   static constexpr oid_t array_oid;             // enables std::vector<T> and std::set<T> (T[])
///   template <class Report> static void check(const T& v, Report&& report);
///       // problems the server would reject, found before sending:
///       // report(std::string_view path_suffix, std::string_view message), suffix "" for the
///       // value itself, ".name" / ".2" for a part of it; the DAO turns them into a
///       // SCHEMA_VIOLATION and sends nothing.
/// std::optional<T> has no codec: the DAO maps it to a nullable column of codec<T>.
///
/// Built in (this header): bool, std::int16_t/int32_t/int64_t, float, double, std::string,
/// typedao::bytes (bytea), typedao::uuid, typedao::timestamp (timestamptz), typedao::date,
/// typedao::numeric, enums described with BOOST_DESCRIBE_ENUM (text), std::vector<T> and
/// std::set<T> of those (arrays). <typedao/json.hpp> adds records, maps and JSON values (jsonb).

#include <typedao/codec/array.hpp>
#include <typedao/codec/core.hpp>
#include <typedao/codec/enum.hpp>
#include <typedao/codec/numeric.hpp>
#include <typedao/codec/scalar.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace typedao {

static_assert(has_codec<bool> && has_codec<std::int16_t> && has_codec<std::int32_t> &&
              has_codec<std::int64_t> && has_codec<float> && has_codec<double> &&
              has_codec<std::string> && has_codec<bytes> && has_codec<uuid> &&
              has_codec<timestamp> && has_codec<date> && has_codec<numeric> &&
              has_codec<std::vector<std::string>> && has_codec<std::vector<std::int64_t>> &&
              has_codec<std::set<std::string>>);

}  // namespace typedao

#endif
