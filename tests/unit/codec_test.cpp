#include <typedao/codec.hpp>

#include <catch2/catch.hpp>

#include "codec_test_support.hpp"

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using typedao::has_codec;
using typedao::timestamp;
using typedao::uuid;
using typedao::customize::codec;
using typedao::detail::param_set;
using namespace std::string_literals;
using namespace std::chrono_literals;

namespace {

using codec_test::check_round_trip;
using codec_test::decode;
using codec_test::decode_error;
using codec_test::encode;
using codec_test::hex;
using codec_test::render;
using codec_test::try_decode;
// A binary array value built field by field.
using array_builder = codec_test::wire;

timestamp ts(std::chrono::sys_days d, std::chrono::microseconds tod = 0us) {
  return timestamp{d} + tod;
}

array_builder text_array_1d(std::int64_t count, std::int64_t lower = 1, std::int64_t oid = 25,
                            std::int64_t flags = 0) {
  array_builder a;
  a.i32(1).i32(flags).i32(oid).i32(count).i32(lower);
  return a;
}

using strings = std::vector<std::string>;

}  // namespace

// ---------------------------------------------------------------------------------------------
// The customisation point

struct no_codec_type {};

struct money {
  std::int64_t cents;
  friend bool operator==(const money&, const money&) = default;
};
struct missing_decode {};
struct throwing_decode {};

template <>
struct typedao::customize::codec<money> {
  static constexpr oid_t oid = 790;
  static constexpr std::string_view sql_type = "money";
  static void encode(const money& v, param_writer& w) { w.append_be(v.cents); }
  static const char* decode(const char* d, std::size_t n, money& out) noexcept {
    return codec<std::int64_t>::decode(d, n, out.cents);
  }
  static void render(const money& v, std::string& out) { detail::render_integer(v.cents, out); }
};

template <>
struct typedao::customize::codec<missing_decode> {
  static constexpr oid_t oid = 1;
  static constexpr std::string_view sql_type = "x";
  static void encode(const missing_decode&, param_writer&) {}
  static void render(const missing_decode&, std::string&) {}
};

template <>
struct typedao::customize::codec<throwing_decode> {
  static constexpr oid_t oid = 1;
  static constexpr std::string_view sql_type = "x";
  static void encode(const throwing_decode&, param_writer&) {}
  static const char* decode(const char*, std::size_t, throwing_decode&) {
    return nullptr;
  }  // not noexcept
  static void render(const throwing_decode&, std::string&) {}
};

TEST_CASE("has_codec", "[codec]") {
  STATIC_REQUIRE(has_codec<bool>);
  STATIC_REQUIRE(has_codec<std::int16_t>);
  STATIC_REQUIRE(has_codec<std::int32_t>);
  STATIC_REQUIRE(has_codec<std::int64_t>);
  STATIC_REQUIRE(has_codec<float>);
  STATIC_REQUIRE(has_codec<double>);
  STATIC_REQUIRE(has_codec<std::string>);
  STATIC_REQUIRE(has_codec<uuid>);
  STATIC_REQUIRE(has_codec<timestamp>);
  STATIC_REQUIRE(has_codec<strings>);
  STATIC_REQUIRE(has_codec<money>);

  STATIC_REQUIRE_FALSE(has_codec<no_codec_type>);
  STATIC_REQUIRE_FALSE(has_codec<std::optional<std::int32_t>>);  // the DAO handles NULL itself
  STATIC_REQUIRE_FALSE(has_codec<std::uint32_t>);
  STATIC_REQUIRE_FALSE(has_codec<char>);
  STATIC_REQUIRE_FALSE(has_codec<std::vector<std::uint32_t>>);
  STATIC_REQUIRE_FALSE(has_codec<const char*>);
  STATIC_REQUIRE_FALSE(has_codec<missing_decode>);
  STATIC_REQUIRE_FALSE(has_codec<throwing_decode>);

  STATIC_REQUIRE(typedao::detail::check_codec<std::int32_t>());
  STATIC_REQUIRE(typedao::detail::check_codec<money>());
}

TEST_CASE("a user codec round-trips through the parameter buffer", "[codec]") {
  CHECK(encode(money{-1}) == hex("ff ff ff ff ff ff ff ff"));
  check_round_trip(money{123456789});
  CHECK(render(money{8080}) == "8080");
}

TEST_CASE("is_optional and unwrap_optional_t", "[codec]") {
  using typedao::detail::is_optional;
  using typedao::detail::unwrap_optional_t;
  STATIC_REQUIRE(is_optional<std::optional<int>>::value);
  STATIC_REQUIRE(typedao::detail::is_optional_v<std::optional<std::string>>);
  STATIC_REQUIRE_FALSE(is_optional<int>::value);
  STATIC_REQUIRE_FALSE(is_optional<std::vector<int>>::value);
  STATIC_REQUIRE(std::is_same_v<unwrap_optional_t<std::optional<std::string>>, std::string>);
  STATIC_REQUIRE(std::is_same_v<unwrap_optional_t<std::string>, std::string>);
  STATIC_REQUIRE(
      std::is_same_v<unwrap_optional_t<std::optional<std::optional<int>>>, std::optional<int>>);
}

TEST_CASE("oids and SQL type names", "[codec]") {
  STATIC_REQUIRE(codec<bool>::oid == 16);
  STATIC_REQUIRE(codec<std::int16_t>::oid == 21);
  STATIC_REQUIRE(codec<std::int32_t>::oid == 23);
  STATIC_REQUIRE(codec<std::int64_t>::oid == 20);
  STATIC_REQUIRE(codec<float>::oid == 700);
  STATIC_REQUIRE(codec<double>::oid == 701);
  STATIC_REQUIRE(codec<std::string>::oid == 25);
  STATIC_REQUIRE(codec<uuid>::oid == 2950);
  STATIC_REQUIRE(codec<timestamp>::oid == 1184);
  STATIC_REQUIRE(codec<strings>::oid == 1009);
  STATIC_REQUIRE(codec<bool>::sql_type == "boolean");
  STATIC_REQUIRE(codec<std::int16_t>::sql_type == "smallint");
  STATIC_REQUIRE(codec<std::int32_t>::sql_type == "integer");
  STATIC_REQUIRE(codec<std::int64_t>::sql_type == "bigint");
  STATIC_REQUIRE(codec<float>::sql_type == "real");
  STATIC_REQUIRE(codec<double>::sql_type == "double precision");
  STATIC_REQUIRE(codec<std::string>::sql_type == "text");
  STATIC_REQUIRE(codec<uuid>::sql_type == "uuid");
  STATIC_REQUIRE(codec<timestamp>::sql_type == "timestamptz");
  STATIC_REQUIRE(codec<strings>::sql_type == "text[]");
  STATIC_REQUIRE(std::is_same_v<typedao::oid_t, unsigned int>);
}

// ---------------------------------------------------------------------------------------------
// bool

TEST_CASE("bool codec", "[codec][bool]") {
  CHECK(encode(true) == hex("01"));
  CHECK(encode(false) == hex("00"));
  CHECK(decode<bool>(hex("01")) == true);
  CHECK(decode<bool>(hex("00")) == false);
  CHECK(decode<bool>(hex("02")) == true);  // as PostgreSQL's boolrecv: non-zero is true
  CHECK(decode_error<bool>("") == "expected 1 byte");
  CHECK(decode_error<bool>(hex("00 01")) == "expected 1 byte");
  CHECK(render(true) == "true");
  CHECK(render(false) == "false");
}

// ---------------------------------------------------------------------------------------------
// integers

TEST_CASE("int16 codec", "[codec][int]") {
  CHECK(encode(std::int16_t{80}) == hex("00 50"));
  CHECK(encode(std::int16_t{-1}) == hex("ff ff"));
  CHECK(encode(std::numeric_limits<std::int16_t>::min()) == hex("80 00"));
  CHECK(encode(std::numeric_limits<std::int16_t>::max()) == hex("7f ff"));
  CHECK(decode<std::int16_t>(hex("80 00")) == std::numeric_limits<std::int16_t>::min());
  CHECK(decode<std::int16_t>(hex("12 34")) == 0x1234);
  for (int v : {-32768, -32767, -256, -1, 0, 1, 255, 256, 32767})
    check_round_trip(static_cast<std::int16_t>(v));
  CHECK(decode_error<std::int16_t>(hex("00")) == "expected 2 bytes");
  CHECK(decode_error<std::int16_t>(hex("00 00 00 00")) == "expected 2 bytes");
  CHECK(decode_error<std::int16_t>("") == "expected 2 bytes");
  CHECK(render(std::int16_t{-32768}) == "-32768");
}

TEST_CASE("int32 codec", "[codec][int]") {
  CHECK(encode(std::int32_t{80}) == hex("00 00 00 50"));
  CHECK(encode(std::int32_t{8080}) == hex("00 00 1f 90"));
  CHECK(encode(std::int32_t{-2}) == hex("ff ff ff fe"));
  CHECK(encode(std::numeric_limits<std::int32_t>::min()) == hex("80 00 00 00"));
  CHECK(encode(std::numeric_limits<std::int32_t>::max()) == hex("7f ff ff ff"));
  CHECK(decode<std::int32_t>(hex("00 00 00 50")) == 80);
  CHECK(decode<std::int32_t>(hex("ff ff ff ff")) == -1);
  for (std::int32_t v :
       {INT32_MIN, INT32_MIN + 1, -65536, -1, 0, 1, 65535, INT32_MAX - 1, INT32_MAX})
    check_round_trip(v);
  CHECK(decode_error<std::int32_t>(hex("00 00 50")) == "expected 4 bytes");
  CHECK(decode_error<std::int32_t>(hex("00 00 00 00 50")) == "expected 4 bytes");
  CHECK(decode_error<std::int32_t>(hex("00 00 00 00 00 00 00 50")) ==
        "expected 4 bytes");  // an int8 column
  CHECK(decode_error<std::int32_t>("") == "expected 4 bytes");
  CHECK(render(std::int32_t{8080}) == "8080");
  CHECK(render(std::int32_t{0}) == "0");
  CHECK(render(std::numeric_limits<std::int32_t>::min()) == "-2147483648");
}

TEST_CASE("int64 codec", "[codec][int]") {
  CHECK(encode(std::int64_t{0x0102030405060708}) == hex("01 02 03 04 05 06 07 08"));
  CHECK(encode(std::int64_t{-1}) == hex("ff ff ff ff ff ff ff ff"));
  CHECK(encode(std::numeric_limits<std::int64_t>::min()) == hex("80 00 00 00 00 00 00 00"));
  CHECK(encode(std::numeric_limits<std::int64_t>::max()) == hex("7f ff ff ff ff ff ff ff"));
  CHECK(decode<std::int64_t>(hex("80 00 00 00 00 00 00 01")) == INT64_MIN + 1);
  for (std::int64_t v : {INT64_MIN, INT64_MIN + 1, std::int64_t{INT32_MIN} - 1, std::int64_t{-1},
                         std::int64_t{0}, std::int64_t{INT32_MAX} + 1, INT64_MAX})
    check_round_trip(v);
  CHECK(decode_error<std::int64_t>(hex("00 00 00 50")) == "expected 8 bytes");
  CHECK(decode_error<std::int64_t>(hex("00 00 00 00 00 00 00 00 00")) == "expected 8 bytes");
  CHECK(render(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(render(std::numeric_limits<std::int64_t>::max()) == "9223372036854775807");
}

TEST_CASE("integer decoding handles unaligned input", "[codec][int]") {
  const std::string buf = hex("00 11 22 33 44 55 66 77 88 99");
  for (std::size_t off = 0; off < 2; ++off) {
    std::int64_t v = 0;
    REQUIRE(codec<std::int64_t>::decode(buf.data() + off + 1, 8, v) == nullptr);
    CHECK(v == (off == 0 ? 0x1122334455667788 : 0x2233445566778899));
  }
}

// ---------------------------------------------------------------------------------------------
// floating point

TEST_CASE("float codec", "[codec][float]") {
  constexpr auto inf = std::numeric_limits<float>::infinity();
  CHECK(encode(1.5f) == hex("3f c0 00 00"));
  CHECK(encode(1.0f) == hex("3f 80 00 00"));
  CHECK(encode(0.0f) == hex("00 00 00 00"));
  CHECK(encode(-0.0f) == hex("80 00 00 00"));
  CHECK(encode(inf) == hex("7f 80 00 00"));
  CHECK(encode(-inf) == hex("ff 80 00 00"));
  CHECK(decode<float>(hex("3f c0 00 00")) == 1.5f);
  CHECK(decode<float>(hex("ff 80 00 00")) == -inf);
  CHECK(std::isnan(decode<float>(encode(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::signbit(decode<float>(hex("80 00 00 00"))));
  for (float v : {std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::lowest(), std::numeric_limits<float>::denorm_min(),
                  0.1f, -3.25f})
    check_round_trip(v);
  CHECK(decode_error<float>(hex("00 00 00")) == "expected 4 bytes");
  CHECK(decode_error<float>(hex("00 00 00 00 00 00 00 00")) == "expected 4 bytes");
  CHECK(render(1.5f) == "1.5");
  CHECK(render(0.1f) == "0.1");  // shortest form of the float, not of its double widening
  CHECK(render(inf) == "inf");
  CHECK(render(-inf) == "-inf");
  CHECK(render(std::numeric_limits<float>::quiet_NaN()) == "nan");
}

TEST_CASE("double codec", "[codec][float]") {
  constexpr auto inf = std::numeric_limits<double>::infinity();
  CHECK(encode(1.0) == hex("3f f0 00 00 00 00 00 00"));
  CHECK(encode(-2.5) == hex("c0 04 00 00 00 00 00 00"));
  CHECK(encode(0.1) == hex("3f b9 99 99 99 99 99 9a"));
  CHECK(encode(-0.0) == hex("80 00 00 00 00 00 00 00"));
  CHECK(encode(inf) == hex("7f f0 00 00 00 00 00 00"));
  CHECK(encode(-inf) == hex("ff f0 00 00 00 00 00 00"));
  CHECK(decode<double>(hex("3f b9 99 99 99 99 99 9a")) == 0.1);
  CHECK(decode<double>(hex("7f f0 00 00 00 00 00 00")) == inf);
  const double nan = decode<double>(hex("7f f8 00 00 00 00 00 00"));
  CHECK(std::isnan(nan));
  CHECK(std::isnan(decode<double>(encode(std::numeric_limits<double>::quiet_NaN()))));
  CHECK(encode(nan) == hex("7f f8 00 00 00 00 00 00"));  // the bit pattern survives
  for (double v : {std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::lowest(), std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::epsilon(), 1e300, -1e-300, 3.141592653589793})
    check_round_trip(v);
  CHECK(decode_error<double>(hex("00 00 00 00")) == "expected 8 bytes");
  CHECK(decode_error<double>("") == "expected 8 bytes");
  CHECK(render(0.1) == "0.1");
  CHECK(render(1.0) == "1");
  CHECK(render(-2.5) == "-2.5");
  CHECK(render(1.0 / 3.0) == "0.3333333333333333");
  CHECK(render(0.1 + 0.2) == "0.30000000000000004");  // 17 significant digits when needed
  CHECK(render(1e300) == "1e+300");
  CHECK(render(std::numeric_limits<double>::denorm_min()) == "5e-324");
  CHECK(render(inf) == "inf");
  CHECK(render(-inf) == "-inf");
  CHECK(render(-std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(render(-0.0) == "-0");
}

// ---------------------------------------------------------------------------------------------
// text

TEST_CASE("text codec encodes without copying", "[codec][text]") {
  const std::string s = "httpbin.org";
  param_set<1> ps;
  auto w = ps.writer(0);
  codec<std::string>::encode(s, w);
  ps.finish();
  CHECK(ps.values()[0] == s.data());
  CHECK(ps.lengths()[0] == static_cast<int>(s.size()));
  CHECK(ps.owned_bytes() == 0);
}

TEST_CASE("text codec: empty, embedded quotes and NUL, 1 MB", "[codec][text]") {
  const std::string empty;
  CHECK(encode(empty).empty());
  CHECK(decode<std::string>("").empty());
  std::string out = "previous";
  REQUIRE(codec<std::string>::decode(nullptr, 0, out) == nullptr);  // libpq may hand out no buffer
  CHECK(out.empty());

  check_round_trip("say \"hi\" \\ 'there'"s);
  check_round_trip("a\0b"s);
  check_round_trip("caf\xc3\xa9 \xf0\x9f\x98\x80"s);
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
  CHECK(encode(big) == big);
  CHECK(decode<std::string>(big) == big);
}

TEST_CASE("text render: Lua string literal", "[codec][text][render]") {
  CHECK(render(""s) == R"("")");
  CHECK(render("httpbin"s) == R"("httpbin")");
  CHECK(render("say \"hi\""s) == R"("say \"hi\"")");
  CHECK(render("C:\\path"s) == R"("C:\\path")");
  CHECK(render("a\nb"s) == R"("a\nb")");
  CHECK(render("tab\there"s) == R"("tab\009here")");
  CHECK(render("cr\r"s) == R"("cr\013")");
  CHECK(render("nul\0"
               "1"s) == R"("nul\0001")");  // three digits: the '1' stays a '1'
  CHECK(render("\x1b[0m"s) == R"("\027[0m")");
  CHECK(render("del\x7f"s) == R"("del\127")");
  CHECK(render("caf\xc3\xa9"s) == "\"caf\xc3\xa9\"");  // UTF-8 passes through
  CHECK(render("'single'"s) == R"("'single'")");
}

// ---------------------------------------------------------------------------------------------
// uuid

TEST_CASE("uuid codec", "[codec][uuid]") {
  const uuid u = *typedao::parse_uuid("01234567-89ab-cdef-fedc-ba9876543210");
  CHECK(encode(u) == hex("01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10"));
  CHECK(decode<uuid>(hex("01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10")) == u);
  CHECK(encode(uuid{}) == std::string(16, '\0'));
  check_round_trip(typedao::generate_uuid());
  CHECK(decode_error<uuid>(std::string(15, '\0')) == "expected 16 bytes");
  CHECK(decode_error<uuid>(std::string(17, '\0')) == "expected 16 bytes");
  CHECK(decode_error<uuid>("01234567-89ab-cdef-fedc-ba9876543210") ==
        "expected 16 bytes");  // text format
  CHECK(render(u) == R"("01234567-89ab-cdef-fedc-ba9876543210")");
}

// ---------------------------------------------------------------------------------------------
// timestamptz

TEST_CASE("timestamp codec: microseconds since 2000-01-01 UTC", "[codec][timestamp]") {
  using namespace std::chrono;
  const timestamp pg_epoch = ts(sys_days{year{2000} / January / 1});
  CHECK(encode(pg_epoch) == std::string(8, '\0'));
  CHECK(encode(pg_epoch + 1us) == hex("00 00 00 00 00 00 00 01"));
  CHECK(encode(pg_epoch - 1us) == hex("ff ff ff ff ff ff ff ff"));
  CHECK(encode(timestamp{}) == hex("ff fc a2 fe c4 c8 20 00"));  // 1970-01-01
  const timestamp t = ts(sys_days{year{2024} / May / 1}, 12h + 123456us);
  CHECK(encode(t) == hex("00 02 ba 61 fe a3 32 40"));
  CHECK(decode<timestamp>(hex("00 02 ba 61 fe a3 32 40")) == t);
  CHECK(decode<timestamp>(std::string(8, '\0')) == pg_epoch);
  for (timestamp v :
       {pg_epoch, t, timestamp{}, ts(sys_days{year{1} / January / 1}),
        ts(sys_days{year{-4713} / November / 24}),  // PostgreSQL's lowest date
        ts(sys_days{year{9999} / December / 31}, 86399999999us), timestamp::max() - 1us,
        timestamp::min() + 1us + microseconds{946684800000000}})
    check_round_trip(v);
}

TEST_CASE("timestamp codec: infinity", "[codec][timestamp]") {
  CHECK(encode(timestamp::max()) == hex("7f ff ff ff ff ff ff ff"));
  CHECK(encode(timestamp::min()) == hex("80 00 00 00 00 00 00 00"));
  CHECK(decode<timestamp>(hex("7f ff ff ff ff ff ff ff")) == timestamp::max());
  CHECK(decode<timestamp>(hex("80 00 00 00 00 00 00 00")) == timestamp::min());
  CHECK(render(timestamp::max()) == R"("infinity")");
  CHECK(render(timestamp::min()) == R"("-infinity")");
}

TEST_CASE("timestamp codec: values outside the other side's range", "[codec][timestamp]") {
  using std::chrono::microseconds;
  constexpr std::int64_t epoch = 946684800000000;
  // Encoding: values whose shift would overflow become INT64_MIN + 1, never '-infinity'.
  const std::string min_plus_one = hex("80 00 00 00 00 00 00 01");
  CHECK(encode(timestamp::min() + 1us) == min_plus_one);
  CHECK(encode(timestamp{microseconds{INT64_MIN + epoch}}) == min_plus_one);
  CHECK(encode(timestamp{microseconds{INT64_MIN + epoch + 1}}) == min_plus_one);
  CHECK(encode(timestamp{microseconds{INT64_MIN + epoch + 2}}) == hex("80 00 00 00 00 00 00 02"));
  CHECK(encode(timestamp::max() - 1us) == hex("7f fc a2 fe c4 c8 1f fe"));
  // Decoding: PostgreSQL allows years up to 294276, timestamp only up to 294247.
  const auto pg = [](std::int64_t v) {
    array_builder a;
    a.i32(v >> 32);
    a.i32(static_cast<std::int64_t>(static_cast<std::uint32_t>(v)));
    return a.b;
  };
  CHECK(decode<timestamp>(pg(INT64_MAX - epoch - 1)) == timestamp::max() - 1us);
  CHECK(decode_error<timestamp>(pg(INT64_MAX - epoch)) == "timestamp out of range");
  CHECK(decode_error<timestamp>(pg(9223371331200000000 - 1)) ==
        "timestamp out of range");  // 294276-12-31
  CHECK(decode_error<timestamp>(pg(INT64_MAX - 1)) == "timestamp out of range");
  CHECK(decode<timestamp>(pg(INT64_MIN + 1)) == timestamp{microseconds{INT64_MIN + 1 + epoch}});
  CHECK(decode_error<timestamp>(hex("00 00 00 00")) == "expected 8 bytes");
  CHECK(decode_error<timestamp>(std::string(9, '\0')) == "expected 8 bytes");
  CHECK(decode_error<timestamp>("") == "expected 8 bytes");
}

TEST_CASE("timestamp render: quoted ISO 8601 UTC with microseconds", "[codec][timestamp][render]") {
  using namespace std::chrono;
  CHECK(render(ts(sys_days{year{2024} / May / 1}, 12h + 123456us)) ==
        R"("2024-05-01T12:00:00.123456Z")");
  CHECK(render(timestamp{}) == R"("1970-01-01T00:00:00.000000Z")");
  CHECK(render(timestamp{} - 1us) == R"("1969-12-31T23:59:59.999999Z")");
  CHECK(render(ts(sys_days{year{2000} / February / 29}, 23h + 59min + 59s)) ==
        R"("2000-02-29T23:59:59.000000Z")");
  CHECK(render(ts(sys_days{year{1} / January / 1})) == R"("0001-01-01T00:00:00.000000Z")");
  CHECK(render(ts(sys_days{year{0} / March / 1})) == R"("0000-03-01T00:00:00.000000Z")");
  CHECK(render(ts(sys_days{year{-4713} / November / 24})) == R"("-4713-11-24T00:00:00.000000Z")");
  CHECK(render(ts(sys_days{year{9999} / December / 31}, 86399999999us)) ==
        R"("9999-12-31T23:59:59.999999Z")");
  CHECK(render(timestamp::max() - 1us) == R"("294247-01-10T04:00:54.775806Z")");
  CHECK(render(timestamp::min() + 1us) == R"("-290308-12-21T19:59:05.224193Z")");
}

TEST_CASE("civil_from_days agrees with std::chrono over 800 years", "[codec][timestamp]") {
  using namespace std::chrono;
  for (int d = -150000; d < 150000; d += 7) {
    const year_month_day ymd{sys_days{days{d}}};
    const auto c = typedao::detail::civil_from_days(d);
    REQUIRE(c.year == static_cast<int>(ymd.year()));
    REQUIRE(c.month == static_cast<unsigned>(ymd.month()));
    REQUIRE(c.day == static_cast<unsigned>(ymd.day()));
  }
}

// ---------------------------------------------------------------------------------------------
// text[]

TEST_CASE("text[] encoding: PostgreSQL's binary array layout", "[codec][array]") {
  CHECK(encode(strings{"a"}) == hex("00000001 00000000 00000019  00000001 00000001  00000001 61"));
  CHECK(encode(strings{"ab", "", "c"}) ==
        hex("00000001 00000000 00000019  00000003 00000001  00000002 6162  00000000  00000001 63"));
  CHECK(encode(strings{}) == hex("00000000 00000000 00000019"));  // empty: no dimension header
  CHECK(encode(strings{""}) == hex("00000001 00000000 00000019  00000001 00000001  00000000"));
}

TEST_CASE("text[] round trips", "[codec][array]") {
  check_round_trip(strings{});
  check_round_trip(strings{""});
  check_round_trip(strings{"", "", ""});
  check_round_trip(strings{"http", "https", "grpc"});
  check_round_trip(strings{"with \"quotes\"", "back\\slash", "{braces,commas}", "NULL", "a\0b"s});
  check_round_trip(strings{std::string(1 << 20, 'z'), "after"});
  strings many(10000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = std::to_string(i);
  check_round_trip(many);
}

TEST_CASE("text[] decoding accepts what the server may send", "[codec][array]") {
  SECTION("ndim 0") { CHECK(decode<strings>(hex("00000000 00000000 00000019")).empty()); }
  SECTION("ndim 0 with varchar elements") {
    CHECK(decode<strings>(hex("00000000 00000000 00000413")).empty());
  }
  SECTION("ndim 1 with zero elements") { CHECK(decode<strings>(text_array_1d(0).b).empty()); }
  SECTION("varchar[] elements") {
    CHECK(decode<strings>(text_array_1d(2, 1, 1043).elem("x").elem("yz").b) == strings{"x", "yz"});
  }
  SECTION("the has-null flag set without NULLs") {
    CHECK(decode<strings>(text_array_1d(1, 1, 25, 1).elem("q").b) == strings{"q"});
  }
  SECTION("any lower bound is ignored") {
    for (std::int64_t lb : {std::int64_t{0}, std::int64_t{-5}, std::int64_t{2},
                            std::int64_t{INT32_MIN}, std::int64_t{INT32_MAX}}) {
      INFO("lower bound " << lb);
      CHECK(decode<strings>(text_array_1d(2, lb).elem("a").elem("b").b) == strings{"a", "b"});
    }
  }
  SECTION("decoding replaces previous content") {
    strings out{"old1", "old2", "old3"};
    const auto bytes = encode(strings{"new"});
    REQUIRE(try_decode(bytes, out) == nullptr);
    CHECK(out == strings{"new"});
    const auto none = encode(strings{});
    REQUIRE(try_decode(none, out) == nullptr);
    CHECK(out.empty());
  }
}

TEST_CASE("text[] decoding rejects malformed input", "[codec][array]") {
  const std::string header = hex("00000001 00000000 00000019");
  SECTION("truncated header") {
    CHECK(decode_error<strings>("") == "truncated array header");
    for (std::size_t n = 1; n < 12; ++n)
      CHECK(decode_error<strings>(header.substr(0, n)) == "truncated array header");
  }
  SECTION("truncated dimension header") {
    const std::string full = text_array_1d(0).b;
    for (std::size_t n = 12; n < 20; ++n)
      CHECK(decode_error<strings>(full.substr(0, n)) == "truncated array header");
  }
  SECTION("more than one dimension") {
    array_builder a;
    a.i32(2).i32(0).i32(25).i32(1).i32(1).i32(1).i32(1).elem("x");
    CHECK(decode_error<strings>(a.b) == "expected a one-dimensional array");
    CHECK(decode_error<strings>(hex("00000006 00000000 00000019")) ==
          "expected a one-dimensional array");
  }
  SECTION("negative dimension count") {
    CHECK(decode_error<strings>(hex("ffffffff 00000000 00000019")) ==
          "negative array dimension count");
  }
  SECTION("invalid flags") {
    CHECK(decode_error<strings>(text_array_1d(1, 1, 25, 2).elem("x").b) == "invalid array flags");
    CHECK(decode_error<strings>(text_array_1d(1, 1, 25, -1).elem("x").b) == "invalid array flags");
  }
  SECTION("wrong element oid") {
    CHECK(decode_error<strings>(text_array_1d(1, 1, 23).i32(4).i32(7).b) ==
          "expected text or varchar array elements");
    CHECK(decode_error<strings>(hex("00000000 00000000 00000017")) ==
          "expected text or varchar array elements");
    CHECK(decode_error<strings>(text_array_1d(1, 1, 19).elem("name").b) ==
          "expected text or varchar array elements");
  }
  SECTION("negative array length") {
    CHECK(decode_error<strings>(text_array_1d(-1).b) == "negative array length");
    CHECK(decode_error<strings>(text_array_1d(INT32_MIN).b) == "negative array length");
  }
  SECTION("array length beyond the buffer is caught before allocating") {
    CHECK(decode_error<strings>(text_array_1d(INT32_MAX).b) == "array length exceeds the buffer");
    CHECK(decode_error<strings>(text_array_1d(2).elem("a").b) == "array length exceeds the buffer");
  }
  SECTION("NULL element") {
    CHECK(decode_error<strings>(text_array_1d(2, 1, 25, 1).elem("a").i32(-1).b) ==
          "NULL element in a text[] mapped to std::vector<std::string>");
    CHECK(decode_error<strings>(text_array_1d(1).i32(-1).b) ==
          "NULL element in a text[] mapped to std::vector<std::string>");
  }
  SECTION("negative element length") {
    CHECK(decode_error<strings>(text_array_1d(1).i32(-2).b) == "negative array element length");
    CHECK(decode_error<strings>(text_array_1d(1).i32(INT32_MIN).b) ==
          "negative array element length");
  }
  SECTION("element length beyond the buffer") {
    CHECK(decode_error<strings>(text_array_1d(1).i32(2).raw("a").b) ==
          "array element length exceeds the buffer");
    CHECK(decode_error<strings>(text_array_1d(1).i32(INT32_MAX).raw("abc").b) ==
          "array element length exceeds the buffer");
    CHECK(decode_error<strings>(text_array_1d(2).elem("a").i32(5).raw("abcd").b) ==
          "array element length exceeds the buffer");
  }
  SECTION("truncated element length") {
    // Two elements announced, the first one eats the bytes of the second's length.
    CHECK(decode_error<strings>(text_array_1d(2).i32(4).raw("abcd").raw("\0\0"s).b) ==
          "truncated array element");
    CHECK(decode_error<strings>(text_array_1d(2).i32(1).raw("a").raw("\0\0\0"s).b) ==
          "truncated array element");
  }
  SECTION("trailing bytes") {
    CHECK(decode_error<strings>(text_array_1d(1).elem("a").raw("x").b) ==
          "trailing bytes after array");
    CHECK(decode_error<strings>(hex("00000000 00000000 00000019 00")) ==
          "trailing bytes after array");
    CHECK(decode_error<strings>(text_array_1d(0).i32(0).b) == "trailing bytes after array");
  }
}

TEST_CASE("text[] decoding survives random and mutated input", "[codec][array]") {
  std::mt19937 rng(12345);
  const std::string valid = encode(strings{"alpha", "", "gamma delta", std::string(300, 'q')});
  for (int iter = 0; iter < 20000; ++iter) {
    std::string b = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 3) {
        case 0:
          b[rng() % b.size()] = static_cast<char>(rng());
          break;
        case 1:
          b.resize(rng() % (b.size() + 1));
          break;
        default:
          b.push_back(static_cast<char>(rng()));
          break;
      }
      if (b.empty()) b.push_back('\0');
    }
    strings out;
    (void)try_decode(b, out);  // any result, but no crash and no read out of bounds (ASan)
  }
  for (int iter = 0; iter < 20000; ++iter) {
    std::string b(rng() % 64, '\0');
    for (auto& c : b)
      c = static_cast<char>(rng() % 4 == 0 ? rng() : 0);  // mostly zeros: plausible headers
    strings out;
    (void)try_decode(b, out);
  }
  SUCCEED();
}

TEST_CASE("text[] render", "[codec][array][render]") {
  CHECK(render(strings{}) == "{}");
  CHECK(render(strings{"a", "b"}) == R"({"a","b"})");
  CHECK(render(strings{""}) == R"({""})");
  CHECK(render(strings{"say \"hi\"", "x\ny"}) == R"({"say \"hi\"","x\ny"})");
}

// ---------------------------------------------------------------------------------------------
// Several codecs into one parameter set

TEST_CASE("several codecs share one param_set, spilling to the heap", "[codec][params]") {
  param_set<5> ps;
  const std::string host = "httpbin.org";
  const strings tags{std::string(400, 't'),
                     std::string(400, 'u')};  // larger than the inline buffer
  const uuid id = typedao::generate_uuid();
  {
    auto w = ps.writer(0);
    codec<uuid>::encode(id, w);
  }
  {
    auto w = ps.writer(1);
    codec<std::string>::encode(host, w);
  }
  {
    auto w = ps.writer(2);
    codec<std::int32_t>::encode(8080, w);
  }
  {
    auto w = ps.writer(3);
    codec<strings>::encode(tags, w);
  }
  {
    auto w = ps.writer(4);
    w.set_null();  // an empty optional
  }
  ps.finish();
  CHECK(ps.spilled());
  CHECK(ps.values()[1] == host.data());
  CHECK(ps.values()[4] == nullptr);
  uuid id2{};
  REQUIRE(codec<uuid>::decode(ps.values()[0], static_cast<std::size_t>(ps.lengths()[0]), id2) ==
          nullptr);
  CHECK(id2 == id);
  std::int32_t port = 0;
  REQUIRE(codec<std::int32_t>::decode(ps.values()[2], static_cast<std::size_t>(ps.lengths()[2]),
                                      port) == nullptr);
  CHECK(port == 8080);
  strings tags2;
  REQUIRE(codec<strings>::decode(ps.values()[3], static_cast<std::size_t>(ps.lengths()[3]),
                                 tags2) == nullptr);
  CHECK(tags2 == tags);
  for (int i = 0; i < 5; ++i) CHECK(ps.formats()[i] == 1);
}
