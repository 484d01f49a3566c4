// The codecs added for the full type mapping: bytea, date, numeric, described enums, arrays of
// every scalar and sets. Expected wire bytes are what PostgreSQL 15's *_send functions print
// (e.g. SELECT encode(numeric_send('123.45'), 'hex')), not our own encoder's output.

#include "codec_test_support.hpp"

#include <typedao/codec.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace codec_test;
using namespace std::string_literals;
using typedao::bytes;
using typedao::date;
using typedao::has_codec;
using typedao::numeric;
using typedao::customize::codec;

namespace types_test {
enum class protocol { http, https, grpc };
BOOST_DESCRIBE_ENUM(protocol, http, https, grpc)

enum plain_color : unsigned char { red = 1, green = 2 };
BOOST_DESCRIBE_ENUM(plain_color, red, green)

enum class undescribed { a, b };

enum class aliased { first = 1, one = 1, second = 2 };
BOOST_DESCRIBE_ENUM(aliased, first, one, second)
}  // namespace types_test

using types_test::protocol;

// ---------------------------------------------------------------------------------------------
// the type table

TEST_CASE("full type table: oids, array oids and SQL names", "[codec][types]") {
  STATIC_REQUIRE(codec<bytes>::oid == 17);
  STATIC_REQUIRE(codec<bytes>::sql_type == "bytea");
  STATIC_REQUIRE(codec<date>::oid == 1082);
  STATIC_REQUIRE(codec<date>::sql_type == "date");
  STATIC_REQUIRE(codec<numeric>::oid == 1700);
  STATIC_REQUIRE(codec<numeric>::sql_type == "numeric");
  STATIC_REQUIRE(codec<protocol>::oid == 25);
  STATIC_REQUIRE(codec<protocol>::sql_type == "text");

  STATIC_REQUIRE(codec<std::vector<bool>>::oid == 1000);
  STATIC_REQUIRE(codec<std::vector<bytes>>::oid == 1001);
  STATIC_REQUIRE(codec<std::vector<std::int16_t>>::oid == 1005);
  STATIC_REQUIRE(codec<std::vector<std::int32_t>>::oid == 1007);
  STATIC_REQUIRE(codec<std::vector<std::int64_t>>::oid == 1016);
  STATIC_REQUIRE(codec<std::vector<float>>::oid == 1021);
  STATIC_REQUIRE(codec<std::vector<double>>::oid == 1022);
  STATIC_REQUIRE(codec<std::vector<std::string>>::oid == 1009);
  STATIC_REQUIRE(codec<std::vector<typedao::uuid>>::oid == 2951);
  STATIC_REQUIRE(codec<std::vector<typedao::timestamp>>::oid == 1185);
  STATIC_REQUIRE(codec<std::vector<date>>::oid == 1182);
  STATIC_REQUIRE(codec<std::vector<numeric>>::oid == 1231);
  STATIC_REQUIRE(codec<std::vector<protocol>>::oid == 1009);
  STATIC_REQUIRE(codec<std::set<std::string>>::oid == 1009);
  STATIC_REQUIRE(codec<std::set<std::int32_t>>::oid == 1007);

  STATIC_REQUIRE(codec<std::vector<bool>>::sql_type == "boolean[]");
  STATIC_REQUIRE(codec<std::vector<bytes>>::sql_type == "bytea[]");
  STATIC_REQUIRE(codec<std::vector<std::int16_t>>::sql_type == "smallint[]");
  STATIC_REQUIRE(codec<std::vector<std::int32_t>>::sql_type == "integer[]");
  STATIC_REQUIRE(codec<std::vector<std::int64_t>>::sql_type == "bigint[]");
  STATIC_REQUIRE(codec<std::vector<float>>::sql_type == "real[]");
  STATIC_REQUIRE(codec<std::vector<double>>::sql_type == "double precision[]");
  STATIC_REQUIRE(codec<std::vector<std::string>>::sql_type == "text[]");
  STATIC_REQUIRE(codec<std::vector<typedao::uuid>>::sql_type == "uuid[]");
  STATIC_REQUIRE(codec<std::vector<typedao::timestamp>>::sql_type == "timestamptz[]");
  STATIC_REQUIRE(codec<std::vector<date>>::sql_type == "date[]");
  STATIC_REQUIRE(codec<std::vector<numeric>>::sql_type == "numeric[]");
  STATIC_REQUIRE(codec<std::vector<protocol>>::sql_type == "text[]");
  STATIC_REQUIRE(codec<std::set<protocol>>::sql_type == "text[]");
}

TEST_CASE("which types have codecs", "[codec][types]") {
  STATIC_REQUIRE(has_codec<bytes>);
  STATIC_REQUIRE(has_codec<date>);
  STATIC_REQUIRE(has_codec<numeric>);
  STATIC_REQUIRE(has_codec<protocol>);
  STATIC_REQUIRE(has_codec<types_test::plain_color>);
  STATIC_REQUIRE(has_codec<std::vector<protocol>>);
  STATIC_REQUIRE(has_codec<std::set<protocol>>);
  STATIC_REQUIRE(has_codec<std::vector<bytes>>);
  STATIC_REQUIRE(has_codec<std::set<typedao::uuid>>);
  STATIC_REQUIRE(has_codec<std::set<date>>);
  STATIC_REQUIRE(typedao::has_array_codec<numeric>);

  STATIC_REQUIRE_FALSE(has_codec<types_test::undescribed>);  // an undescribed enum has no codec
  STATIC_REQUIRE_FALSE(has_codec<std::vector<types_test::undescribed>>);
  STATIC_REQUIRE_FALSE(has_codec<std::vector<std::vector<std::int32_t>>>);  // arrays of arrays
  STATIC_REQUIRE_FALSE(has_codec<std::vector<std::optional<std::int32_t>>>);
  STATIC_REQUIRE_FALSE(has_codec<std::set<double>>);  // NaN has no order
  STATIC_REQUIRE_FALSE(has_codec<std::set<float>>);
  STATIC_REQUIRE_FALSE(has_codec<std::set<numeric>>);  // no operator<
  STATIC_REQUIRE_FALSE(has_codec<std::vector<std::uint8_t>>);
  STATIC_REQUIRE_FALSE(has_codec<std::chrono::year_month_day>);  // converts to typedao::date
  STATIC_REQUIRE_FALSE(typedao::has_array_codec<std::vector<std::string>>);
}

// ---------------------------------------------------------------------------------------------
// bytea

TEST_CASE("bytea codec", "[codec][bytea]") {
  const bytes b{std::byte{0x00}, std::byte{0xff}, std::byte{0x10}};
  CHECK(encode(b) == hex("00 ff 10"));
  CHECK(encode(bytes{}).empty());
  CHECK(decode<bytes>(hex("00 ff 10")) == b);
  CHECK(decode<bytes>("").empty());
  bytes out{std::byte{1}};
  REQUIRE(codec<bytes>::decode(nullptr, 0, out) == nullptr);
  CHECK(out.empty());
  bytes big(1 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::byte>(i * 7);
  check_round_trip(big);
  CHECK(render(b) == R"("\x00ff10")");
  CHECK(render(bytes{}) == R"("\x")");
}

TEST_CASE("bytea encodes without copying", "[codec][bytea]") {
  const bytes b(100, std::byte{7});
  typedao::detail::param_set<1> ps;
  auto w = ps.writer(0);
  codec<bytes>::encode(b, w);
  ps.finish();
  CHECK(ps.values()[0] == reinterpret_cast<const char*>(b.data()));
  CHECK(ps.owned_bytes() == 0);
}

// ---------------------------------------------------------------------------------------------
// date

TEST_CASE("date codec: int32 days since 2000-01-01", "[codec][date]") {
  using namespace std::chrono;
  const date pg_epoch = sys_days{year{2000} / January / 1};
  CHECK(encode(pg_epoch) == hex("00000000"));
  CHECK(encode(date{}) == hex("ffffd533"));  // 1970-01-01
  CHECK(encode(date{year{2024} / May / 1}) == hex("000022b7"));
  CHECK(encode(date{year{-4713} / November / 24}) == hex("ffda97a7"));  // 4714-11-24 BC
  CHECK(encode(date{year{2000} / January / 2}) == hex("00000001"));
  CHECK(decode<date>(hex("000022b7")) == date{year{2024} / May / 1});
  CHECK(decode<date>(hex("ffda97a7")) == date{year{-4713} / November / 24});
  // 5874897-12-31, PostgreSQL's last date, is beyond std::chrono::year but not beyond date.
  CHECK(decode<date>(hex("7fda970c")).time_since_epoch().count() == 0x7fda970c + 10957);
  for (date d : {pg_epoch, date{}, date{year{1} / January / 1}, date{year{9999} / December / 31},
                 date{year{2000} / February / 29}, date{days{INT32_MAX - 1 + std::int64_t{10957}}},
                 date{days{INT32_MIN + 1 + std::int64_t{10957}}}})
    check_round_trip(d);
  CHECK(decode_error<date>(hex("000000")) == "expected 4 bytes");
  CHECK(decode_error<date>(hex("0000000000")) == "expected 4 bytes");
  CHECK(decode_error<date>("") == "expected 4 bytes");
}

TEST_CASE("date codec: infinity and values beyond int32", "[codec][date]") {
  using namespace std::chrono;
  CHECK(encode(date::max()) == hex("7fffffff"));
  CHECK(encode(date::min()) == hex("80000000"));
  CHECK(decode<date>(hex("7fffffff")) == date::max());
  CHECK(decode<date>(hex("80000000")) == date::min());
  // Saturated next to the infinities, never onto them: the server rejects these.
  CHECK(encode(date::max() - days{1}) == hex("7ffffffe"));
  CHECK(encode(date::min() + days{1}) == hex("80000001"));
  CHECK(encode(date{days{std::int64_t{INT32_MAX} + 10957}}) == hex("7ffffffe"));
  CHECK(encode(date{days{std::int64_t{INT32_MAX} + 10956}}) == hex("7ffffffe"));
  CHECK(encode(date{days{std::int64_t{INT32_MAX} + 10955}}) == hex("7ffffffd"));
  CHECK(encode(date{days{std::int64_t{INT32_MIN} + 10957}}) == hex("80000001"));
  CHECK(encode(date{days{std::int64_t{INT32_MIN} + 10958}}) == hex("80000001"));
  CHECK(encode(date{days{std::int64_t{INT32_MIN} + 10959}}) == hex("80000002"));
}

TEST_CASE("date render", "[codec][date][render]") {
  using namespace std::chrono;
  CHECK(render(date{year{2024} / May / 1}) == R"("2024-05-01")");
  CHECK(render(date{}) == R"("1970-01-01")");
  CHECK(render(date{year{-4713} / November / 24}) == R"("-4713-11-24")");
  CHECK(render(date::max()) == R"("infinity")");
  CHECK(render(date::min()) == R"("-infinity")");
  CHECK(render(date::max() - days{1}) == R"("9223372036854775806 days after 1970-01-01")");
  CHECK(render(decode<date>(hex("7fda970c"))) == R"("5874897-12-31")");
}

// ---------------------------------------------------------------------------------------------
// numeric: the value type

TEST_CASE("numeric: canonical text", "[codec][numeric]") {
  const auto canon = [](std::string_view s) {
    auto n = numeric::parse(s);
    INFO("input: " << s);
    REQUIRE(n.has_value());
    return n->str();
  };
  CHECK(numeric().str() == "0");
  CHECK(canon("0") == "0");
  CHECK(canon("-0") == "0");
  CHECK(canon("-0.00") == "0.00");
  CHECK(canon("+001.50") == "1.50");
  CHECK(canon("+001.50e1") == "15.0");
  CHECK(canon(".5") == "0.5");
  CHECK(canon("5.") == "5");
  CHECK(canon("1e3") == "1000");
  CHECK(canon("1E+3") == "1000");
  CHECK(canon("1.5e-3") == "0.0015");
  CHECK(canon("-12.345e2") == "-1234.5");
  CHECK(canon("123e-5") == "0.00123");
  CHECK(canon("0e5") == "0");
  CHECK(canon("0.000e-2") == "0.00000");
  CHECK(canon("000123.4500") == "123.4500");
  CHECK(canon("NaN") == "NaN");
  CHECK(canon("nan") == "NaN");
  CHECK(canon("Infinity") == "Infinity");
  CHECK(canon("+inf") == "Infinity");
  CHECK(canon("-INFINITY") == "-Infinity");
  CHECK(canon("-inf") == "-Infinity");
  for (std::string_view bad : {"", "-", "+", ".", "1..2", "1.2.3", "e5", "1e", "1e+", "1e5.5", " 1",
                               "1 ", "0x10", "1_000", "-nan", "+NaN", "infinit", "1,5", "١٢"}) {
    INFO("input: " << bad);
    CHECK_FALSE(numeric::parse(bad).has_value());
  }
  CHECK_THROWS_AS(numeric("abc"), std::invalid_argument);
  CHECK(numeric(std::int64_t{-42}).str() == "-42");
  CHECK(numeric(std::numeric_limits<std::int64_t>::min()).str() == "-9223372036854775808");
  CHECK(numeric(std::numeric_limits<std::uint64_t>::max()).str() == "18446744073709551615");
  numeric implicit = 7;
  CHECK(implicit.str() == "7");
}

TEST_CASE("numeric: PostgreSQL's range", "[codec][numeric]") {
  const std::string max_int(131072, '9');
  CHECK(numeric::parse(max_int).has_value());
  CHECK_FALSE(numeric::parse("1" + max_int).has_value());
  CHECK(numeric::parse("1e131071").has_value());
  CHECK_FALSE(numeric::parse("1e131072").has_value());
  CHECK(numeric::parse("0." + std::string(16383, '1')).has_value());
  CHECK_FALSE(numeric::parse("0." + std::string(16384, '1')).has_value());
  CHECK(numeric::parse("1e-16383").has_value());
  CHECK_FALSE(numeric::parse("1e-16384").has_value());
  CHECK_FALSE(numeric::parse("1e999999999999").has_value());
  CHECK_FALSE(numeric::parse("0e-999999999").has_value());
  CHECK(numeric::parse("00000000000000000000000000001e-16355")->scale() == 16355);
}

TEST_CASE("numeric: accessors", "[codec][numeric]") {
  CHECK(numeric("12.340").scale() == 3);
  CHECK(numeric("12").scale() == 0);
  CHECK(numeric::nan().scale() == 0);
  CHECK(numeric::nan().is_nan());
  CHECK(numeric::infinity().is_infinite());
  CHECK(numeric::minus_infinity().is_infinite());
  CHECK(numeric::minus_infinity().is_negative());
  CHECK_FALSE(numeric::nan().is_finite());
  CHECK(numeric("-0.5").is_negative());
  CHECK_FALSE(numeric("0").is_negative());
  CHECK(numeric("1.5") != numeric("1.50"));  // the scale is part of the value
  CHECK(numeric("1.50") == numeric("0150e-2"));
  CHECK(numeric("0.1").to_double() == 0.1);
  CHECK(numeric("-2.5e10").to_double() == -2.5e10);
  CHECK(std::isnan(numeric::nan().to_double()));
  CHECK(numeric::infinity().to_double() == std::numeric_limits<double>::infinity());
  CHECK(numeric::minus_infinity().to_double() == -std::numeric_limits<double>::infinity());
  CHECK(numeric("1e400").to_double() == std::numeric_limits<double>::infinity());
  CHECK(numeric("-1e400").to_double() == -std::numeric_limits<double>::infinity());
  CHECK(numeric("1e-400").to_double() == 0.0);
  CHECK(typedao::to_string(numeric("-3.10")) == "-3.10");
}

// ---------------------------------------------------------------------------------------------
// numeric: the wire format

TEST_CASE("numeric encoding matches numeric_send", "[codec][numeric]") {
  // SELECT v, encode(numeric_send(v::numeric), 'hex') on PostgreSQL 15.
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0000 0000 0000 0000"},
      {"0.00", "0000 0000 0000 0002"},
      {"1", "0001 0000 0000 0000 0001"},
      {"-1", "0001 0000 4000 0000 0001"},
      {"123.45", "0002 0000 0000 0002 007b 1194"},
      {"0.5", "0001 ffff 0000 0001 1388"},
      {"10000", "0001 0001 0000 0000 0001"},
      {"1e20", "0001 0005 0000 0000 0001"},
      {"-0.000123", "0002 ffff 4000 0006 0001 08fc"},
      {"NaN", "0000 0000 c000 0000"},
      {"12345678.9", "0003 0001 0000 0001 04d2 162e 2328"},
      {"0.0001", "0001 ffff 0000 0004 0001"},
      {"99999999.99999999", "0004 0001 0000 0008 270f 270f 270f 270f"},
  };
  for (auto [text, wire_hex] : cases) {
    INFO(text);
    const numeric n(text);
    CHECK(to_hex(encode(n)) == to_hex(hex(wire_hex)));
    CHECK(decode<numeric>(hex(wire_hex)) == n);
  }
  // The server sends infinities with a scale of 32; we send 0. Both read back.
  CHECK(encode(numeric::infinity()) == hex("0000 0000 d000 0000"));
  CHECK(encode(numeric::minus_infinity()) == hex("0000 0000 f000 0000"));
  CHECK(decode<numeric>(hex("0000 0000 d000 0020")) == numeric::infinity());
  CHECK(decode<numeric>(hex("0000 0000 f000 0020")) == numeric::minus_infinity());
}

TEST_CASE("numeric decoding: non-canonical but valid input", "[codec][numeric]") {
  // Leading and trailing zero digits, as another client might send them.
  CHECK(decode<numeric>(hex("0003 0001 0000 0000 0000 0001 0000")).str() == "1");
  CHECK(decode<numeric>(wire{}.i16(2).i16(0).i16(0).i16(4).i16(1).i16(0).b).str() == "1.0000");
  // The display scale hides digits: truncated, as numeric_recv does.
  CHECK(decode<numeric>(hex("0002 0000 0000 0001 0001 1234")).str() == "1.4");  // 1.4660
  CHECK(decode<numeric>(hex("0002 0000 4000 0000 0000 1234")).str() == "0");    // never "-0"
  CHECK(decode<numeric>(hex("0001 ffff 4000 0002 0001")).str() == "0.00");  // -0.0001 at scale 2
  CHECK(decode<numeric>(hex("0001 fffe 0000 0008 0001")).str() == "0.00000001");
  // Weight far above the digits: zeros are filled in.
  CHECK(decode<numeric>(hex("0001 0003 0000 0000 0007")).str() == "7000000000000");
  // Largest weight and scale.
  CHECK(decode<numeric>(hex("0001 7fff 0000 0000 0001")).str().size() == 1 + 4 * 32767);
  CHECK(decode<numeric>(hex("0000 0000 0000 3fff")).scale() == 16383);
  CHECK(decode<numeric>(hex("0001 8000 0000 3fff 0001")).str() == "0." + std::string(16383, '0'));
}

TEST_CASE("numeric decoding rejects malformed input", "[codec][numeric]") {
  for (std::size_t n = 0; n < 8; ++n)
    CHECK(decode_error<numeric>(std::string(n, '\0')) == "truncated numeric header");
  CHECK(decode_error<numeric>(hex("0001 0000 0000 0000")) ==
        "numeric length does not match its digit count");
  CHECK(decode_error<numeric>(hex("0001 0000 0000 0000 00")) ==
        "numeric length does not match its digit count");
  CHECK(decode_error<numeric>(hex("0000 0000 0000 0000 0001")) ==
        "numeric length does not match its digit count");
  CHECK(decode_error<numeric>(hex("ffff 0000 0000 0000 0001")) ==
        "numeric length does not match its digit count");
  CHECK(decode_error<numeric>(hex("0001 0000 0000 0000 0001 00")) ==
        "numeric length does not match its digit count");
  for (const char* sign : {"0001", "8000", "2000", "c001", "e000", "ffff"})
    CHECK(decode_error<numeric>(hex("0000 0000"s + sign + "0000")) == "invalid numeric sign");
  CHECK(decode_error<numeric>(hex("0000 0000 0000 4000")) == "invalid numeric scale");
  CHECK(decode_error<numeric>(hex("0000 0000 0000 ffff")) == "invalid numeric scale");
  CHECK(decode_error<numeric>(hex("0000 0000 d000 4000")) == "invalid numeric scale");
  CHECK(decode_error<numeric>(hex("0001 0000 0000 0000 2710")) ==
        "invalid numeric digit");  // 10000
  CHECK(decode_error<numeric>(hex("0002 0000 0000 0000 0001 ffff")) == "invalid numeric digit");
  CHECK(decode_error<numeric>(hex("0001 0000 c000 0000 0001")) ==
        "digits in a NaN or infinite numeric");
  CHECK(decode_error<numeric>(hex("0001 0000 d000 0000 0001")) ==
        "digits in a NaN or infinite numeric");
}

TEST_CASE("numeric round trips", "[codec][numeric]") {
  for (const char* text :
       {"0", "0.000", "1", "-1", "0.1", "-0.1", "9999", "10000", "10001", "0.0001", "0.00001",
        "123456789012345678901234567890.123456789012345678901234567890", "-1e100", "1e-100",
        "3.14159265358979323846264338327950288", "NaN", "Infinity", "-Infinity"}) {
    INFO(text);
    check_round_trip(numeric(text));
  }
  check_round_trip(numeric(std::string(131072, '9')));
  check_round_trip(numeric("-" + std::string(1000, '1') + "." + std::string(16383, '7')));
  check_round_trip(numeric("0." + std::string(16382, '0') + "1"));
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string s = rng() % 2 ? "-" : "";
    for (unsigned k = rng() % 30; k-- > 0;) s.push_back(static_cast<char>('0' + rng() % 10));
    if (rng() % 2) {
      s.push_back('.');
      for (unsigned k = rng() % 30; k-- > 0;)
        s.push_back(static_cast<char>('0' + (rng() % 3 ? rng() % 10 : 0)));
    }
    if (s.find_first_of("0123456789") == std::string::npos) s += "0";
    if (rng() % 4 == 0) s += "e" + std::to_string(static_cast<int>(rng() % 60) - 30);
    INFO(s);
    const numeric n(s);
    check_round_trip(n);
    CHECK(numeric::parse(n.str()) == n);  // canonical is a fixed point
  }
}

TEST_CASE("numeric render", "[codec][numeric][render]") {
  CHECK(render(numeric("12.50")) == "12.50");
  CHECK(render(numeric("-0.001")) == "-0.001");
  CHECK(render(numeric::nan()) == "nan");
  CHECK(render(numeric::infinity()) == "inf");
  CHECK(render(numeric::minus_infinity()) == "-inf");
}

// ---------------------------------------------------------------------------------------------
// enums

TEST_CASE("enum codec: text holding the enumerator's name", "[codec][enum]") {
  CHECK(encode(protocol::https) == "https");
  CHECK(encode(types_test::green) == "green");
  CHECK(decode<protocol>("grpc") == protocol::grpc);
  CHECK(decode<types_test::plain_color>("red") == types_test::red);
  check_round_trip(protocol::http);
  CHECK(decode_error<protocol>("HTTP") == R"(unknown enumerator "HTTP")");
  CHECK(decode_error<protocol>("") == R"(unknown enumerator "")");
  CHECK(decode_error<protocol>("http ") == R"(unknown enumerator "http ")");
  CHECK(decode_error<protocol>("ht\0tp"s) == R"(unknown enumerator "ht\000tp")");
  CHECK(decode_error<protocol>(std::string(100, 'x')) ==
        "unknown enumerator \"" + std::string(64, 'x') + "\"...");
  protocol p{};
  REQUIRE(codec<protocol>::decode(nullptr, 0, p) != nullptr);
  CHECK(render(protocol::grpc) == R"("grpc")");
  CHECK(render(static_cast<protocol>(42)) == "42");
  CHECK(render(static_cast<types_test::plain_color>(200)) == "200");
}

TEST_CASE("enum codec: values that are no enumerator", "[codec][enum]") {
  CHECK_THROWS_AS(encode(static_cast<protocol>(42)), std::invalid_argument);
  CHECK(check_reports(static_cast<protocol>(42)) ==
        std::vector<std::string>{": expected one of: http, https, grpc"});
  CHECK(check_reports(protocol::http).empty());
  // Two names for one value: the first is written, both are read.
  CHECK(encode(types_test::aliased::one) == "first");
  CHECK(decode<types_test::aliased>("one") == types_test::aliased::first);
}

TEST_CASE("check_codec explains an undescribed enum", "[codec][enum]") {
  STATIC_REQUIRE(typedao::detail::check_codec<protocol>());
  STATIC_REQUIRE(typedao::detail::check_codec<numeric>());
  STATIC_REQUIRE(typedao::detail::check_codec<std::set<protocol>>());
}

// ---------------------------------------------------------------------------------------------
// arrays of every scalar

TEST_CASE("array encoding matches array_send", "[codec][array]") {
  // SELECT encode(array_send(ARRAY[...]::T[]), 'hex') on PostgreSQL 15.
  CHECK(to_hex(encode(std::vector<std::int32_t>{1, -2})) ==
        "0000000100000000000000170000000200000001000000040000000100000004fffffffe");
  CHECK(to_hex(encode(std::vector<bool>{true, false})) ==
        "000000010000000000000010000000020000000100000001010000000100");
  CHECK(to_hex(encode(std::vector<std::int16_t>{7})) ==
        "0000000100000000000000150000000100000001000000020007");
  CHECK(to_hex(encode(std::vector<std::int64_t>{-1})) ==
        "000000010000000000000014000000010000000100000008ffffffffffffffff");
  CHECK(to_hex(encode(std::vector<float>{1.5f})) ==
        "0000000100000000000002bc0000000100000001000000043fc00000");
  CHECK(to_hex(encode(std::vector<double>{0.1})) ==
        "0000000100000000000002bd0000000100000001000000083fb999999999999a");
  CHECK(to_hex(encode(std::vector<bytes>{{std::byte{1}, std::byte{0xff}}, {}})) ==
        "00000001000000000000001100000002000000010000000201ff00000000");
  CHECK(to_hex(encode(std::vector<typedao::uuid>{
            *typedao::parse_uuid("01234567-89ab-cdef-fedc-ba9876543210")})) ==
        "000000010000000000000b860000000100000001000000100123456789abcdeffedcba9876543210");
  CHECK(to_hex(encode(std::vector<date>{date{std::chrono::year{2000} / 1 / 2}})) ==
        "00000001000000000000043a00000001000000010000000400000001");
  CHECK(to_hex(encode(std::vector<typedao::timestamp>{
            typedao::timestamp{std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}} +
            std::chrono::microseconds{1}})) ==
        "0000000100000000000004a00000000100000001000000080000000000000001");
  CHECK(to_hex(encode(std::vector<numeric>{numeric("1.5"), numeric::nan()})) ==
        "0000000100000000000006a400000002000000010000000c0002000000000001000113880000000800000000c0"
        "000000");
  CHECK(to_hex(encode(std::vector<std::int32_t>{})) == "000000000000000000000017");
  CHECK(encode(std::vector<protocol>{protocol::http, protocol::grpc}) ==
        array_1d(25, 2).elem("http").elem("grpc").b);
}

TEST_CASE("arrays round-trip every element type", "[codec][array]") {
  using namespace std::chrono;
  check_round_trip(std::vector<bool>{});
  check_round_trip(std::vector<bool>{true, false, true});
  check_round_trip(std::vector<std::int16_t>{INT16_MIN, 0, INT16_MAX});
  check_round_trip(std::vector<std::int32_t>{INT32_MIN, -1, 0, INT32_MAX});
  check_round_trip(std::vector<std::int64_t>{INT64_MIN, INT64_MAX});
  check_round_trip(std::vector<float>{std::numeric_limits<float>::infinity(), -0.0f, 1e-45f});
  check_round_trip(std::vector<double>{-std::numeric_limits<double>::infinity(), 5e-324,
                                       1.7976931348623157e308});
  check_round_trip(std::vector<bytes>{{}, {std::byte{0}}, bytes(1000, std::byte{0xAB})});
  check_round_trip(std::vector<typedao::uuid>{typedao::generate_uuid(), typedao::uuid{}});
  check_round_trip(std::vector<typedao::timestamp>{
      typedao::timestamp::max(), typedao::timestamp::min(), typedao::timestamp{}});
  check_round_trip(std::vector<date>{date::max(), date::min(), date{year{1} / 1 / 1}});
  check_round_trip(
      std::vector<numeric>{numeric("0"), numeric("-1.25"), numeric::nan(), numeric::infinity()});
  check_round_trip(std::vector<protocol>{protocol::grpc, protocol::grpc, protocol::http});
  const auto nans = decode<std::vector<double>>(encode(std::vector<double>{std::nan(""), 1.0}));
  REQUIRE(nans.size() == 2);
  CHECK(std::isnan(nans[0]));
  std::vector<std::int64_t> many(100000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::int64_t>(i * i) - 5;
  check_round_trip(many);
}

TEST_CASE("arrays: decoding checks element types and lengths", "[codec][array]") {
  using ints = std::vector<std::int32_t>;
  CHECK(decode<ints>(array_1d(23, 2, -3).i32(4).i32(7).i32(4).i32(-1).b) ==
        ints{7, -1});                                                     // any lower bound
  CHECK(decode<ints>(array_1d(23, 1, 1, 1).i32(4).i32(9).b) == ints{9});  // has-null flag, no NULL
  CHECK(decode_error<ints>(array_1d(20, 1).i32(8).raw(std::string(8, '\0')).b) ==
        "expected integer array elements");
  CHECK(decode_error<ints>(hex("00000000 00000000 00000019")) == "expected integer array elements");
  CHECK(decode_error<ints>(array_1d(23, 1).i32(8).raw(std::string(8, '\0')).b) ==
        "expected 4 bytes");
  CHECK(decode_error<ints>(array_1d(23, 1).i32(2).raw("ab").b) == "expected 4 bytes");
  CHECK(decode_error<ints>(array_1d(23, 2, 1, 1).i32(4).i32(1).i32(-1).b) ==
        "NULL element in an integer[] mapped to std::vector");
  CHECK(decode_error<std::vector<bool>>(array_1d(16, 1, 1, 1).i32(-1).b) ==
        "NULL element in a boolean[] mapped to std::vector");
  CHECK(decode_error<std::set<std::string>>(array_1d(25, 1, 1, 1).i32(-1).b) ==
        "NULL element in a text[] mapped to std::set<std::string>");
  CHECK(decode_error<std::vector<std::string>>(array_1d(25, 1, 1, 1).i32(-1).b) ==
        "NULL element in a text[] mapped to std::vector<std::string>");
  CHECK(decode_error<std::vector<double>>(array_1d(700, 0).b) ==
        "expected double precision array elements");
  CHECK(decode_error<std::vector<typedao::timestamp>>(
            array_1d(1184, 1).i32(8).raw(hex("7ffffffffffffffe")).b) == "timestamp out of range");
  CHECK(decode_error<std::vector<protocol>>(array_1d(25, 2).elem("http").elem("gopher").b) ==
        R"(unknown enumerator "gopher")");
  CHECK(decode<std::vector<protocol>>(array_1d(1043, 1).elem("https").b) ==
        std::vector<protocol>{protocol::https});
  CHECK(decode_error<std::vector<numeric>>(array_1d(1700, 1).i32(4).raw(hex("0001 0000")).b) ==
        "truncated numeric header");
  CHECK(decode_error<std::vector<bool>>(array_1d(16, 3).i32(1).raw("\1").b) ==
        "array length exceeds the buffer");
  CHECK(decode_error<std::vector<bool>>(array_1d(16, 1).i32(1).raw("\1").raw("x").b) ==
        "trailing bytes after array");
  CHECK(decode_error<std::vector<bytes>>(array_1d(17, 1).i32(5).raw("abc").b) ==
        "array element length exceeds the buffer");
}

TEST_CASE("arrays: render", "[codec][array][render]") {
  CHECK(render(std::vector<std::int32_t>{1, -2}) == "{1,-2}");
  CHECK(render(std::vector<bool>{true, false}) == "{true,false}");
  CHECK(render(std::vector<protocol>{protocol::http}) == R"({"http"})");
  CHECK(render(std::set<std::string>{"b", "a"}) == R"({"a","b"})");
  CHECK(render(std::vector<numeric>{numeric("1.0"), numeric::nan()}) == "{1.0,nan}");
  CHECK(render(std::vector<double>{}) == "{}");
}

// ---------------------------------------------------------------------------------------------
// sets

TEST_CASE("sets: sorted, unique, the same array type", "[codec][set]") {
  const std::set<std::string> s{"https", "http", "grpc"};
  CHECK(encode(s) == array_1d(25, 3).elem("grpc").elem("http").elem("https").b);
  CHECK(encode(std::set<std::string>{}) == hex("00000000 00000000 00000019"));
  check_round_trip(s);
  check_round_trip(std::set<std::int64_t>{-5, 0, 5});
  check_round_trip(std::set<protocol>{protocol::grpc, protocol::http});
  check_round_trip(std::set<typedao::uuid>{typedao::generate_uuid(), typedao::generate_uuid()});
  // Duplicates stored by someone else collapse, as in Kong's sets.
  CHECK(decode<std::set<std::string>>(array_1d(25, 4).elem("b").elem("a").elem("b").elem("a").b) ==
        std::set<std::string>{"a", "b"});
  CHECK(decode<std::set<protocol>>(array_1d(25, 2).elem("grpc").elem("grpc").b) ==
        std::set<protocol>{protocol::grpc});
  std::set<std::int32_t> out{99};
  REQUIRE(try_decode(encode(std::set<std::int32_t>{1}), out) == nullptr);
  CHECK(out == std::set<std::int32_t>{1});  // replaced, not merged
}

TEST_CASE("arrays and sets survive mutated input", "[codec][array]") {
  std::mt19937 rng(99);
  const std::string seeds[] = {
      encode(std::vector<numeric>{numeric("123.456"), numeric("-1e-20"), numeric::nan()}),
      encode(std::vector<date>{date{}, date::max()}),
      encode(std::set<protocol>{protocol::http, protocol::grpc}),
      encode(std::vector<bool>{true, false}),
  };
  for (int iter = 0; iter < 20000; ++iter) {
    std::string b = seeds[iter % 4];
    for (int e = 1 + static_cast<int>(rng() % 3); e-- > 0;) {
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
    std::vector<numeric> n;
    std::vector<date> d;
    std::set<protocol> p;
    std::vector<bool> v;
    (void)try_decode(b, n);
    (void)try_decode(b, d);
    (void)try_decode(b, p);
    (void)try_decode(b, v);
  }
  SUCCEED();
}
