// typedao/json.hpp: records, maps and JSON values as jsonb. Wire bytes, the JSON shape of every
// type, the decoding rules for documents that do not match the struct, every decode failure,
// and the checks made before sending.

#include "codec_test_support.hpp"

#include <typedao/json.hpp>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace codec_test;
using namespace std::string_literals;
using typedao::has_codec;
using typedao::json_value;
using typedao::numeric;
using typedao::customize::codec;

namespace json_test {

enum class level { low, high };
BOOST_DESCRIBE_ENUM(level, low, high)

struct limits {
  std::int32_t burst = 10;
  std::optional<double> rate;
  friend bool operator==(const limits&, const limits&) = default;
};
BOOST_DESCRIBE_STRUCT(limits, (), (burst, rate))

struct everything {
  bool b = false;
  std::int16_t i16 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  float f = 0;
  double d = 0;
  std::string s;
  typedao::bytes bin;
  typedao::uuid u{};
  typedao::timestamp ts{};
  typedao::date day{};
  numeric n;
  level lv = level::low;
  std::optional<std::string> opt;
  std::vector<std::int32_t> ints;
  std::set<std::string> tags;
  std::map<std::string, limits> per_host;
  limits lim;
  json_value extra;
  friend bool operator==(const everything&, const everything&) = default;
};
BOOST_DESCRIBE_STRUCT(everything, (),
                      (b, i16, i32, i64, f, d, s, bin, u, ts, day, n, lv, opt, ints, tags, per_host,
                       lim, extra))

struct node {
  std::string name;
  std::vector<node> children;
  friend bool operator==(const node&, const node&) = default;
};
BOOST_DESCRIBE_STRUCT(node, (), (name, children))

struct not_described {
  int x;
};

struct table_row {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(table_row, (), (id, name))
TYPEDAO_ENTITY(table_row, "table_rows")

// A type of the user's own, mapped inside JSON as "x,y".
struct point {
  int x = 0;
  int y = 0;
  friend bool operator==(const point&, const point&) = default;
};

struct shape {
  std::vector<point> corners;
  friend bool operator==(const shape&, const shape&) = default;
};
BOOST_DESCRIBE_STRUCT(shape, (), (corners))

}  // namespace json_test

template <>
struct typedao::customize::json_mapping<json_test::point> {
  static void to_json(const json_test::point& p, boost::json::value& out) {
    out = std::to_string(p.x) + "," + std::to_string(p.y);
  }
  static const char* from_json(const boost::json::value& in, json_test::point& out) {
    // A message built at run time, as a nested codec might (it is copied before being reused).
    if (!in.is_string())
      return typedao::dynamic_message({"expected \"x,y\", not ", typedao::json_kind_name(in)});
    const std::string s(in.get_string().c_str());
    const auto comma = s.find(',');
    if (comma == std::string::npos) return "expected \"x,y\"";
    out.x = std::stoi(s.substr(0, comma));
    out.y = std::stoi(s.substr(comma + 1));
    return nullptr;
  }
};

using json_test::everything;
using json_test::level;
using json_test::limits;

namespace {

// jsonb bytes for a JSON text.
std::string jsonb(std::string_view text) { return "\x01"s + std::string(text); }

// The JSON text our encoder sends (after the version byte).
template <class T>
std::string json_text(const T& v) {
  const std::string b = encode(v);
  REQUIRE_FALSE(b.empty());
  CHECK(b[0] == '\x01');
  return b.substr(1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// what is a jsonb column

TEST_CASE("json: which types are jsonb", "[codec][json]") {
  STATIC_REQUIRE(has_codec<limits>);
  STATIC_REQUIRE(has_codec<everything>);
  STATIC_REQUIRE(has_codec<json_test::node>);
  STATIC_REQUIRE(has_codec<std::map<std::string, std::int64_t>>);
  STATIC_REQUIRE(has_codec<std::map<std::string, limits>>);
  STATIC_REQUIRE(has_codec<json_value>);
  STATIC_REQUIRE(has_codec<boost::json::object>);
  STATIC_REQUIRE(has_codec<boost::json::array>);
  STATIC_REQUIRE(has_codec<std::vector<limits>>);  // jsonb[]
  STATIC_REQUIRE(has_codec<std::vector<json_value>>);
  STATIC_REQUIRE(has_codec<json_test::shape>);

  STATIC_REQUIRE_FALSE(has_codec<json_test::not_described>);
  STATIC_REQUIRE_FALSE(has_codec<json_test::table_row>);  // an entity is a table, not a value
  STATIC_REQUIRE_FALSE(has_codec<std::map<std::int32_t, std::int32_t>>);
  STATIC_REQUIRE_FALSE(has_codec<std::set<limits>>);  // no operator<

  STATIC_REQUIRE(codec<limits>::oid == 3802);
  STATIC_REQUIRE(codec<limits>::sql_type == "jsonb");
  STATIC_REQUIRE(codec<json_value>::oid == 3802);
  STATIC_REQUIRE(codec<std::map<std::string, std::int64_t>>::sql_type == "jsonb");
  STATIC_REQUIRE(codec<std::vector<limits>>::oid == 3807);
  STATIC_REQUIRE(codec<std::vector<limits>>::sql_type == "jsonb[]");
}

// ---------------------------------------------------------------------------------------------
// wire format

TEST_CASE("json: jsonb is a version byte and the JSON text", "[codec][json]") {
  CHECK(encode(limits{.burst = 3, .rate = std::nullopt}) == "\x01{\"burst\":3,\"rate\":null}");
  CHECK(encode(json_value(nullptr)) == "\x01null");
  CHECK(encode(std::map<std::string, std::int64_t>{}) == "\x01{}");
  // What jsonb_send produced for '{"a": [1, 2.50, "x"], "b": null}' on PostgreSQL 15.
  const auto v =
      decode<json_value>(hex("017b2261223a205b312c20322e35302c202278225d2c202262223a206e756c6c7d"));
  CHECK(v == boost::json::parse(R"({"a":[1,2.5,"x"],"b":null})"));
  // jsonb[] of '1': array_send gives ...0eda... 00000002 0131.
  CHECK(decode<std::vector<json_value>>(
            hex("000000010000000000000eda0000000100000001000000020131")) ==
        std::vector<json_value>{json_value(1)});
  CHECK(to_hex(encode(std::vector<json_value>{json_value(1)})) ==
        "000000010000000000000eda0000000100000001000000020131");
}

TEST_CASE("json: each type's JSON form", "[codec][json]") {
  using namespace std::chrono;
  everything e;
  e.b = true;
  e.i16 = -32768;
  e.i32 = 2147483647;
  e.i64 = std::numeric_limits<std::int64_t>::min();
  e.f = 1.5f;
  e.d = 0.1;
  e.s = "say \"hi\"\n\xC3\xA9\x01";
  e.bin = {std::byte{0}, std::byte{0xff}, std::byte{0x10}, std::byte{0x20}};
  e.u = *typedao::parse_uuid("01234567-89ab-cdef-fedc-ba9876543210");
  e.ts = typedao::timestamp{sys_days{year{2024} / May / 1}} + microseconds{123456};
  e.day = sys_days{year{1999} / December / 31};
  e.n = numeric("-12.50");
  e.lv = level::high;
  e.opt = std::nullopt;
  e.ints = {1, -2};
  e.tags = {"b", "a"};
  e.per_host = {{"h1", limits{.burst = 1, .rate = 2.5}}};
  e.lim = limits{};
  e.extra = boost::json::parse(R"({"k":[true,null]})");
  CHECK(
      json_text(e) ==
      R"({"b":true,"i16":-32768,"i32":2147483647,"i64":-9223372036854775808,"f":1.5E0,"d":1E-1,)"
      R"("s":"say \"hi\"\n)"
      "\xC3\xA9"
      R"(\u0001","bin":"AP8QIA==","u":"01234567-89ab-cdef-fedc-ba9876543210",)"
      R"("ts":"2024-05-01T00:00:00.123456Z","day":"1999-12-31","n":"-12.50","lv":"high","opt":null,)"
      R"("ints":[1,-2],"tags":["a","b"],"per_host":{"h1":{"burst":1,"rate":2.5E0}},)"
      R"("lim":{"burst":10,"rate":null},"extra":{"k":[true,null]}})");
  check_round_trip(e);
  check_round_trip(everything{});
}

TEST_CASE("json: infinities and far dates inside JSON", "[codec][json]") {
  everything e;
  e.ts = typedao::timestamp::max();
  e.day = typedao::date::min();
  e.n = numeric::nan();
  const auto t = json_text(e);
  CHECK(t.find(R"("ts":"infinity")") != std::string::npos);
  CHECK(t.find(R"("day":"-infinity")") != std::string::npos);
  CHECK(t.find(R"("n":"NaN")") != std::string::npos);
  check_round_trip(e);
  e.ts = typedao::timestamp{std::chrono::sys_days{std::chrono::year{-4713} / 11 / 24}};
  e.day = std::chrono::sys_days{std::chrono::year{9999} / 12 / 31};
  check_round_trip(e);
}

TEST_CASE("json: doubles read back bit for bit", "[codec][json]") {
  // Boost.JSON 1.81's own parser is off by one ulp on these; typedao parses the number's text.
  for (double d : {1.3927926388013963e-143, 1.8088101387491814e-140, 5.4097607429647384e+124,
                   6.6899218568985617e-217, 0.1, 1.7976931348623157e308, 5e-324,
                   2.2250738585072014e-308, -123456.789}) {
    INFO(d);
    limits l{.burst = 0, .rate = d};
    CHECK(decode<limits>(encode(l)).rate == d);
    // As PostgreSQL prints the numeric jsonb made of it: no exponent, all digits.
    char buf[2000];
    const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    const std::string fixed(buf, r.ptr);
    CHECK(decode<limits>(jsonb(R"({"rate": )" + fixed + "}")).rate == d);
    CHECK(decode<json_value>(jsonb(fixed)).as_double() == d);
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const auto bits = rng();
    double d;
    std::memcpy(&d, &bits, 8);
    if (!std::isfinite(d)) continue;
    const auto back = decode<limits>(encode(limits{.burst = 0, .rate = d})).rate;
    REQUIRE(back.has_value());
    REQUIRE(std::memcmp(&*back, &d, 8) == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// decoding documents that do not match the struct

TEST_CASE("json: missing members keep their defaults, extra members are ignored", "[codec][json]") {
  CHECK(decode<limits>(jsonb("{}")) == limits{.burst = 10, .rate = std::nullopt});
  CHECK(decode<limits>(jsonb(R"({"rate": 0.5})")) == limits{.burst = 10, .rate = 0.5});
  CHECK(decode<limits>(jsonb(R"({"burst": 1, "extra": [1, {"x": 2}], "rate": null})")) ==
        limits{.burst = 1, .rate = std::nullopt});
  // Decoding starts from a default record, not from what `out` held.
  limits out{.burst = 99, .rate = 1.0};
  REQUIRE(try_decode(jsonb("{}"), out) == nullptr);
  CHECK(out == limits{});
  auto e = decode<everything>(jsonb(R"({"lim": {}, "per_host": {"x": {"burst": 2}}})"));
  CHECK(e.lim == limits{});
  CHECK(e.per_host.at("x") == limits{.burst = 2, .rate = std::nullopt});
}

TEST_CASE("json: wrong shapes are errors naming the path", "[codec][json]") {
  CHECK(decode_error<limits>(jsonb("[]")) == "expected an object, got an array");
  CHECK(decode_error<limits>(jsonb("null")) == "expected an object, got null");
  CHECK(decode_error<limits>(jsonb(R"({"burst": "10"})")) ==
        "burst: expected an integer, got a string");
  CHECK(decode_error<limits>(jsonb(R"({"burst": null})")) ==
        "burst: expected an integer, got null");
  CHECK(decode_error<limits>(jsonb(R"({"burst": 1.5})")) ==
        "burst: expected an integer, got a number");
  CHECK(decode_error<limits>(jsonb(R"({"burst": 2147483648})")) ==
        "burst: integer out of range for integer");
  CHECK(decode_error<limits>(jsonb(R"({"burst": -2147483649})")) ==
        "burst: integer out of range for integer");
  CHECK(decode_error<limits>(jsonb(R"({"burst": 1e10})")) ==
        "burst: integer out of range for integer");
  CHECK(decode<limits>(jsonb(R"({"burst": 1.0e3})")).burst ==
        1000);  // integral numbers in any spelling
  CHECK(decode<limits>(jsonb(R"({"burst": -2147483648})")).burst == INT32_MIN);
  CHECK(decode_error<limits>(jsonb(R"({"rate": "0.5"})")) ==
        "rate: expected a number, got a string");
  CHECK(decode_error<limits>(jsonb(R"({"rate": true})")) ==
        "rate: expected a number, got a boolean");

  CHECK(decode_error<everything>(jsonb(R"({"i16": 32768})")) ==
        "i16: integer out of range for smallint");
  CHECK(decode_error<everything>(jsonb(R"({"i64": 9223372036854775808})")) ==
        "i64: integer out of range for bigint");
  CHECK(decode_error<everything>(jsonb(R"({"i64": 9223372036854775808.0})")) ==
        "i64: integer out of range for bigint");
  CHECK(decode<everything>(jsonb(R"({"i64": 9223372036854775807})")).i64 == INT64_MAX);
  CHECK(decode<everything>(jsonb(R"({"i64": -9223372036854775808})")).i64 == INT64_MIN);
  CHECK(decode_error<everything>(jsonb(R"({"f": 1e39})")) == "f: number out of range for real");
  CHECK(decode_error<everything>(jsonb(R"({"b": 1})")) == "b: expected a boolean, got a number");
  CHECK(decode_error<everything>(jsonb(R"({"s": 1})")) == "s: expected a string, got a number");
  CHECK(decode_error<everything>(jsonb(R"({"bin": "AQ="})")) == "bin: expected base64 text");
  CHECK(decode_error<everything>(jsonb(R"({"bin": "AR=="})")) == "bin: expected base64 text");
  CHECK(decode_error<everything>(jsonb(R"({"bin": "A==="})")) == "bin: expected base64 text");
  CHECK(decode_error<everything>(jsonb(R"({"bin": "AQ==AQ=="})")) == "bin: expected base64 text");
  CHECK(decode_error<everything>(jsonb(R"({"bin": "AQ\nA"})")) == "bin: expected base64 text");
  CHECK(decode_error<everything>(jsonb(R"({"bin": 5})")) ==
        "bin: expected a base64 string, got a number");
  CHECK(decode_error<everything>(jsonb(R"({"u": "not-a-uuid"})")) ==
        "u: expected a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
  CHECK(decode_error<everything>(jsonb(R"({"ts": "2024-13-01T00:00:00Z"})")) ==
        "ts: expected a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)");
  CHECK(decode_error<everything>(jsonb(R"({"ts": 5})")) ==
        "ts: expected a timestamp string, got a number");
  CHECK(decode_error<everything>(jsonb(R"({"day": "2023-02-29"})")) ==
        "day: expected a date (YYYY-MM-DD)");
  CHECK(decode_error<everything>(jsonb(R"({"n": "1.2.3"})")) == "n: expected a numeric");
  CHECK(decode_error<everything>(jsonb(R"({"n": true})")) ==
        "n: expected a numeric string, got a boolean");
  CHECK(decode_error<everything>(jsonb(R"({"lv": "medium"})")) ==
        R"(lv: unknown enumerator "medium")");
  CHECK(decode_error<everything>(jsonb(R"({"lv": 1})")) == "lv: expected a string, got a number");
  CHECK(decode_error<everything>(jsonb(R"({"ints": [1, "2"]})")) ==
        "ints.2: expected an integer, got a string");
  CHECK(decode_error<everything>(jsonb(R"({"ints": {}})")) ==
        "ints: expected an array, got an object");
  CHECK(decode_error<everything>(jsonb(R"({"tags": ["a", null]})")) ==
        "tags.2: expected a string, got null");
  CHECK(decode_error<everything>(jsonb(R"({"per_host": {"h": {"burst": "x"}}})")) ==
        "per_host.h.burst: expected an integer, got a string");
  CHECK(decode_error<everything>(jsonb(R"({"per_host": []})")) ==
        "per_host: expected an object, got an array");
  CHECK(decode_error<everything>(jsonb(R"({"lim": {"rate": []}})")) ==
        "lim.rate: expected a number, got an array");
  CHECK(decode_error<json_test::node>(jsonb(R"({"children": [{"children": [{"name": 1}]}]})")) ==
        "children.1.children.1.name: expected a string, got a number");
  CHECK(decode_error<boost::json::object>(jsonb("[1]")) == "expected an object, got an array");
  CHECK(decode_error<boost::json::array>(jsonb("{}")) == "expected an array, got an object");
  CHECK(decode_error<std::map<std::string, std::int64_t>>(jsonb(R"({"a": 1, "b": 1.5})")) ==
        "b: expected an integer, got a number");
}

TEST_CASE("json: numbers, numerics and sets from other writers", "[codec][json]") {
  CHECK(decode<everything>(jsonb(R"({"n": 12})")).n == numeric("12"));
  CHECK(decode<everything>(jsonb(R"({"n": 18446744073709551615})")).n ==
        numeric("18446744073709551615"));
  CHECK(decode<everything>(jsonb(R"({"n": 2.5})")).n == numeric("2.5"));
  CHECK(decode<everything>(jsonb(R"({"n": "1e3"})")).n == numeric("1000"));
  CHECK(decode<everything>(jsonb(R"({"tags": ["b", "a", "b"]})")).tags ==
        std::set<std::string>{"a", "b"});
  CHECK(decode<everything>(jsonb(R"({"d": 3})")).d == 3.0);
  CHECK(decode<everything>(jsonb(R"({"d": 18446744073709551615})")).d == 18446744073709551615.0);
}

TEST_CASE("json: timestamps and dates in text", "[codec][json]") {
  using namespace std::chrono;
  const auto ts = [](std::string_view s) {
    return decode<everything>(jsonb(R"({"ts": ")" + std::string(s) + "\"}")).ts;
  };
  const typedao::timestamp noon = typedao::timestamp{sys_days{year{2024} / May / 1}} + hours{12};
  CHECK(ts("2024-05-01T12:00:00Z") == noon);
  CHECK(ts("2024-05-01 12:00:00Z") == noon);
  CHECK(ts("2024-05-01T12:00:00.5Z") == noon + milliseconds{500});
  CHECK(ts("2024-05-01T12:00:00.000001Z") == noon + microseconds{1});
  CHECK(ts("2024-05-01T14:30:00+02:30") == noon);
  CHECK(ts("2024-05-01T09:00:00-03:00") == noon);
  CHECK(ts("2024-05-01T12:00:00.123456+00:00") == noon + microseconds{123456});
  CHECK(ts("infinity") == typedao::timestamp::max());
  CHECK(ts("-infinity") == typedao::timestamp::min());
  CHECK(ts("-4713-11-24T00:00:00Z") == typedao::timestamp{sys_days{year{-4713} / 11 / 24}});
  CHECK(ts("294000-01-01T00:00:00Z") > noon);
  for (std::string_view bad :
       {"2024-05-01T12:00:00", "2024-05-01", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z",
        "2024-05-01T12:00:60Z", "2024-02-30T00:00:00Z", "2024-05-01T12:00:00.1234567Z",
        "2024-05-01T12:00:00.Z", "24-05-01T12:00:00Z", "2024-5-01T12:00:00Z",
        "2024-05-01T12:00:00+2:00", "2024-05-01T12:00:00+16:00", "2024-05-01T12:00:00Zx",
        "Infinity", ""}) {
    INFO(bad);
    CHECK(decode_error<everything>(jsonb(R"({"ts": ")" + std::string(bad) + "\"}")) ==
          "ts: expected a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)");
  }
  CHECK(decode_error<everything>(jsonb(R"({"ts": "300000-01-01T00:00:00Z"})")) ==
        "ts: timestamp out of range");
  const auto day = [](std::string_view s) {
    return decode<everything>(jsonb(R"({"day": ")" + std::string(s) + "\"}")).day;
  };
  CHECK(day("2024-02-29") == sys_days{year{2024} / 2 / 29});
  CHECK(day("5874897-12-31").time_since_epoch().count() == 0x7fda970c + 10957);
  CHECK(day("infinity") == typedao::date::max());
  for (std::string_view bad :
       {"2024-02-30", "2024-00-01", "2024-01-32", "2024-01-01T00:00:00Z", "20240101", ""}) {
    INFO(bad);
    CHECK(decode_error<everything>(jsonb(R"({"day": ")" + std::string(bad) + "\"}")) ==
          "day: expected a date (YYYY-MM-DD)");
  }
}

// ---------------------------------------------------------------------------------------------
// malformed jsonb

TEST_CASE("json: malformed jsonb values", "[codec][json]") {
  CHECK(decode_error<json_value>("") == "empty jsonb value");
  CHECK(decode_error<limits>("") == "empty jsonb value");
  CHECK(decode_error<json_value>("\x02{}") == "unsupported jsonb version (expected 1)");
  CHECK(decode_error<json_value>("{}") ==
        "unsupported jsonb version (expected 1)");  // the text format
  CHECK(decode_error<json_value>("\x01").starts_with("invalid JSON"));
  CHECK(decode_error<json_value>(jsonb("{")).starts_with("invalid JSON"));
  CHECK(decode_error<json_value>(jsonb("{} {}")).starts_with("invalid JSON"));
  CHECK(decode_error<json_value>(jsonb("[1,]")).starts_with("invalid JSON"));
  CHECK(decode_error<json_value>(jsonb("NaN")).starts_with("invalid JSON"));
  CHECK(decode_error<json_value>(jsonb("// c\n1")).starts_with("invalid JSON"));
  CHECK(decode_error<json_value>(jsonb("\"\xff\"")).starts_with("invalid JSON"));  // not UTF-8
  CHECK(decode_error<json_value>(jsonb("1e400")) == "number out of range for a double");
  CHECK(decode_error<limits>(jsonb(R"({"rate": -1e400})")) == "number out of range for a double");
  CHECK(decode<json_value>(jsonb("1e-400")).as_double() == 0.0);
  CHECK(decode<json_value>(jsonb(R"("a\u0000b")")).as_string().size() ==
        3);  // PostgreSQL never sends it
  // Nesting: 512 levels read, 513 do not.
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  CHECK(decode<json_value>(jsonb(nested(typedao::max_json_depth))).is_array());
  CHECK(decode_error<json_value>(jsonb(nested(typedao::max_json_depth + 1))) ==
        "JSON nested too deeply");
  CHECK(decode_error<json_value>(jsonb(nested(100000))) == "JSON nested too deeply");
}

TEST_CASE("json: raw values keep what jsonb gives", "[codec][json]") {
  CHECK(decode<json_value>(jsonb(R"("x")")) == json_value("x"));
  CHECK(decode<json_value>(jsonb("18446744073709551615")).as_uint64() == UINT64_MAX);
  CHECK(decode<json_value>(jsonb("-9223372036854775808")).as_int64() == INT64_MIN);
  CHECK(decode<json_value>(jsonb("1.0")).is_double());
  CHECK(decode<json_value>(jsonb(R"("\ud83d\ude00")")).as_string() == "\xF0\x9F\x98\x80");
  const auto big = boost::json::parse(R"({"a":[1,2,{"b":null,"c":"\u00e9"}],"d":-0.5,"e":true})");
  check_round_trip(big);
  check_round_trip(json_value(boost::json::object{}));
  check_round_trip(json_value(boost::json::array{}));
  check_round_trip(boost::json::parse(R"({"x":[1]})").as_object());
  check_round_trip(boost::json::parse(R"([{"x":1},[]])").as_array());
  std::string large = "[";
  for (int i = 0; i < 100000; ++i) large += (i ? "," : "") + std::to_string(i);
  large += "]";
  CHECK(decode<json_value>(jsonb(large)).as_array().size() == 100000);
}

// ---------------------------------------------------------------------------------------------
// records of records, user mappings

TEST_CASE("json: recursive records and user mappings", "[codec][json]") {
  json_test::node tree{"root", {{"a", {}}, {"b", {{"c", {}}}}}};
  CHECK(
      json_text(tree) ==
      R"({"name":"root","children":[{"name":"a","children":[]},{"name":"b","children":[{"name":"c","children":[]}]}]})");
  check_round_trip(tree);
  json_test::shape s{{{1, 2}, {-3, 4}}};
  CHECK(json_text(s) == R"({"corners":["1,2","-3,4"]})");
  check_round_trip(s);
  CHECK(decode_error<json_test::shape>(jsonb(R"({"corners": ["1,2", 5]})")) ==
        "corners.2: expected \"x,y\", not a number");
  CHECK(decode_error<json_test::shape>(jsonb(R"({"corners": ["12"]})")) ==
        "corners.1: expected \"x,y\"");
  // std::stoi throws: reported, never std::terminate from a noexcept decode.
  CHECK(decode_error<json_test::shape>(jsonb(R"({"corners": ["a,b"]})")) ==
        "exception while mapping JSON: stoi");
}

// ---------------------------------------------------------------------------------------------
// checks before sending

TEST_CASE("json: what jsonb cannot store is reported before sending", "[codec][json]") {
  CHECK(check_reports(everything{}).empty());
  everything e;
  e.d = std::nan("");
  e.f = std::numeric_limits<float>::infinity();
  e.s = "a\0b"s;
  e.opt = "\xff";
  e.lv = static_cast<level>(7);
  e.per_host["bad\xc3"] = limits{.burst = 1, .rate = -std::numeric_limits<double>::infinity()};
  e.tags = {"ok", "nul\0"s};
  e.extra = boost::json::parse(R"({"k":["x"]})");
  e.extra.as_object()["k"].as_array().push_back(json_value(std::nan("")));
  e.extra.as_object()["z\0"s] = "v";
  CHECK(check_reports(e) ==
        std::vector<std::string>{
            ".f: expected a finite number (JSON has no NaN or infinity)",
            ".d: expected a finite number (JSON has no NaN or infinity)",
            ".s: must not contain NUL bytes",
            ".lv: expected one of: low, high",
            ".opt: expected a valid UTF-8 string",
            ".tags.1: must not contain NUL bytes",
            ".per_host.bad\xc3: expected a valid UTF-8 string",
            ".per_host.bad\xc3.rate: expected a finite number (JSON has no NaN or infinity)",
            ".extra.k.2: expected a finite number (JSON has no NaN or infinity)",
            ".extra.z\0: must not contain NUL bytes"s,
        });
  CHECK_THROWS_AS(encode(e), std::invalid_argument);
  json_value deep = boost::json::array{};
  json_value* p = &deep;
  for (std::size_t i = 1; i < typedao::max_json_depth; ++i)
    p = &p->as_array().emplace_back(boost::json::array{});
  CHECK(check_reports(deep).empty());
  p->as_array().emplace_back(boost::json::array{});
  REQUIRE(check_reports(deep).size() == 1);
  CHECK(check_reports(deep)[0].ends_with(": nested too deeply (at most 512 levels)"));
}

TEST_CASE("json: render is the compact JSON text", "[codec][json][render]") {
  CHECK(render(limits{.burst = 1, .rate = 0.5}) == R"({"burst":1,"rate":5E-1})");
  CHECK(render(json_value(nullptr)) == "null");
  CHECK(render(std::map<std::string, std::int64_t>{{"a", 1}}) == R"({"a":1})");
  CHECK(render(limits{.burst = 1, .rate = std::nan("")}) == "<not representable as JSON>");
}

TEST_CASE("json: decoding survives mutated documents", "[codec][json]") {
  std::mt19937 rng(5);
  everything e;
  e.ints = {1, 2, 3};
  e.per_host = {{"h", limits{.burst = 5, .rate = 1.25}}};
  e.extra = boost::json::parse(R"({"a":[1,{"b":[null,true]}]})");
  const std::string seed = encode(e);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string b = seed;
    for (int k = 1 + static_cast<int>(rng() % 3); k-- > 0;) {
      switch (rng() % 3) {
        case 0:
          b[1 + rng() % (b.size() - 1)] = "{}[]\",:0123456789.eE-tfn x\\"[rng() % 28];
          break;
        case 1:
          b.erase(1 + rng() % (b.size() - 1), 1);
          break;
        default:
          b.insert(1 + rng() % (b.size() - 1), 1, "{}[]\",:01-\\"[rng() % 11]);
          break;
      }
      if (b.size() < 2) b = seed;
    }
    everything out;
    json_value v;
    (void)try_decode(b, out);
    (void)try_decode(b, v);
  }
  SUCCEED();
}
