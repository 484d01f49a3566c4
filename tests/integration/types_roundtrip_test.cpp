// Every built-in type through a real PostgreSQL: written by insert, read back by select, AND
// checked on the server with SQL (so a symmetric encode/decode bug cannot hide). Also rows
// written by plain SQL are decoded by the DAO, including values it must refuse.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_types_roundtrip {
namespace {

struct Sample {
  typedao::uuid id;
  bool b = false;
  std::int16_t i16 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  float f = 0;
  double d = 0;
  std::string s;
  std::vector<std::string> arr;
  typedao::uuid u;
  typedao::timestamp ts;
  std::optional<bool> ob;
  std::optional<std::int16_t> oi16;
  std::optional<std::int32_t> oi32;
  std::optional<std::int64_t> oi64;
  std::optional<float> of;
  std::optional<double> od;
  std::optional<std::string> os;
  std::optional<std::vector<std::string>> oarr;
  std::optional<typedao::uuid> ou;
  std::optional<typedao::timestamp> ots;
};
BOOST_DESCRIBE_STRUCT(Sample, (),
                      (id, b, i16, i32, i64, f, d, s, arr, u, ts, ob, oi16, oi32, oi64, of, od, os,
                       oarr, ou, ots))
TYPEDAO_ENTITY(Sample, "samples")

using typedao_test::iso;
using typedao_test::iso_sql;
using typedao_test::pg_fixture;

template <class F>
auto bits(F v) {
  if constexpr (sizeof(F) == 4) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    return u;
  } else {
    std::uint64_t u;
    std::memcpy(&u, &v, 8);
    return u;
  }
}

struct types_fixture : pg_fixture {
  typedao::database<Sample> db{conn};
  typedao_test::dao_t<decltype(db), Sample> samples = db.dao<Sample>();
  types_fixture() { REQUIRE_OK(db.migrate()); }

  // insert, then select: both must give the same values; returns the selected row.
  Sample roundtrip(const Sample& in) {
    auto ins = samples.insert(in);
    REQUIRE_OK(ins);
    auto sel = samples.select(ins->id);
    REQUIRE_OK(sel);
    REQUIRE(sel->has_value());
    const Sample& out = **sel;
    CHECK(out.id == ins->id);
    CHECK(out.b == ins->b);
    CHECK(out.i64 == ins->i64);
    CHECK(bits(out.d) == bits(ins->d));
    CHECK(out.s.size() == ins->s.size());
    CHECK(out.s == ins->s);
    CHECK(out.arr == ins->arr);
    CHECK(out.ts == ins->ts);
    CHECK(out.os == ins->os);
    CHECK(out.oarr == ins->oarr);
    last_id = ins->id;
    return out;
  }
  // An SQL expression over the last row, as the server prints it.
  std::optional<std::string> sql(const std::string& expr) {
    return scalar("SELECT " + expr + " FROM samples WHERE id = $1::uuid",
                  {typedao::to_string(last_id)});
  }
  // The server compares the column with a text parameter.
  bool equals_param(const std::string& column, const std::string& text,
                    const std::string& cast = "") {
    return scalar("SELECT " + column + " = $2" + cast + " FROM samples WHERE id = $1::uuid",
                  {typedao::to_string(last_id), text}) == std::optional<std::string>("t");
  }

  typedao::uuid last_id;
};

typedao::timestamp at(std::chrono::year_month_day day, std::chrono::microseconds tod = {}) {
  return std::chrono::sys_days{day} + tod;
}

}  // namespace
}  // namespace typedao_it_types_roundtrip

namespace typedao_it_types_roundtrip {

TEST_CASE_METHOD(types_fixture, "types: bool", "[pg][types]") {
  Sample in;
  in.b = true;
  in.ob = false;
  auto out = roundtrip(in);
  CHECK(out.b == true);
  CHECK(out.ob == std::optional<bool>(false));
  CHECK(sql("b::text") == "true");
  CHECK(sql("ob::text") == "false");
}

TEST_CASE_METHOD(types_fixture, "types: integers at their limits", "[pg][types]") {
  using L16 = std::numeric_limits<std::int16_t>;
  using L32 = std::numeric_limits<std::int32_t>;
  using L64 = std::numeric_limits<std::int64_t>;
  SECTION("max") {
    auto out = roundtrip({.i16 = L16::max(),
                          .i32 = L32::max(),
                          .i64 = L64::max(),
                          .oi16 = L16::max(),
                          .oi32 = L32::max(),
                          .oi64 = L64::max()});
    CHECK(out.i16 == 32767);
    CHECK(out.i32 == 2147483647);
    CHECK(out.i64 == 9223372036854775807LL);
    CHECK(out.oi16 == L16::max());
    CHECK(out.oi32 == L32::max());
    CHECK(out.oi64 == L64::max());
    CHECK(sql("i16::text || ' ' || i32 || ' ' || i64") == "32767 2147483647 9223372036854775807");
    CHECK(sql("oi16::text || ' ' || oi32 || ' ' || oi64") ==
          "32767 2147483647 9223372036854775807");
  }
  SECTION("min") {
    auto out = roundtrip({.i16 = L16::min(),
                          .i32 = L32::min(),
                          .i64 = L64::min(),
                          .oi16 = L16::min(),
                          .oi32 = L32::min(),
                          .oi64 = L64::min()});
    CHECK(out.i16 == -32768);
    CHECK(out.i32 == L32::min());
    CHECK(out.i64 == L64::min());
    CHECK(out.oi64 == L64::min());
    CHECK(sql("i16::text || ' ' || i32 || ' ' || i64") ==
          "-32768 -2147483648 -9223372036854775808");
  }
  SECTION("small values and byte order") {
    auto out = roundtrip({.i16 = -2, .i32 = 0x01020304, .i64 = 0x0102030405060708LL});
    CHECK(out.i16 == -2);
    CHECK(out.i32 == 0x01020304);
    CHECK(out.i64 == 0x0102030405060708LL);
    CHECK(sql("i16::text || ' ' || i32 || ' ' || i64") == "-2 16909060 72623859790382856");
  }
}

TEST_CASE_METHOD(types_fixture, "types: float and double, including NaN, infinities and -0.0",
                 "[pg][types]") {
  using F = std::numeric_limits<float>;
  using D = std::numeric_limits<double>;
  SECTION("NaN") {
    auto out = roundtrip(
        {.f = F::quiet_NaN(), .d = D::quiet_NaN(), .of = F::quiet_NaN(), .od = D::quiet_NaN()});
    CHECK(std::isnan(out.f));
    CHECK(std::isnan(out.d));
    REQUIRE(out.of.has_value());
    CHECK(std::isnan(*out.of));
    REQUIRE(out.od.has_value());
    CHECK(std::isnan(*out.od));
    CHECK(sql("f::text || ' ' || d::text") == "NaN NaN");
    CHECK(sql("(f = 'NaN'::real AND d = 'NaN'::float8)::text") == "true");
  }
  SECTION("+inf and -inf") {
    auto out = roundtrip(
        {.f = F::infinity(), .d = -D::infinity(), .of = -F::infinity(), .od = D::infinity()});
    CHECK(out.f == F::infinity());
    CHECK(out.d == -D::infinity());
    CHECK(out.of == -F::infinity());
    CHECK(out.od == D::infinity());
    CHECK(sql("f::text || ' ' || d::text || ' ' || of::text || ' ' || od::text") ==
          "Infinity -Infinity -Infinity Infinity");
  }
  SECTION("-0.0 keeps its sign") {
    auto out = roundtrip({.f = -0.0f, .d = -0.0, .of = -0.0f, .od = -0.0});
    CHECK(std::signbit(out.f));
    CHECK(std::signbit(out.d));
    CHECK(std::signbit(*out.of));
    CHECK(std::signbit(*out.od));
    CHECK(sql("f::text || ' ' || d::text") == "-0 -0");
  }
  SECTION("exact bit patterns: max, min normal, denormal, 0.1") {
    auto out = roundtrip({.f = F::max(), .d = D::denorm_min(), .of = F::denorm_min(), .od = 0.1});
    CHECK(bits(out.f) == bits(F::max()));
    CHECK(bits(out.d) == bits(D::denorm_min()));
    CHECK(bits(*out.of) == bits(F::denorm_min()));
    CHECK(bits(*out.od) == bits(0.1));
    CHECK(sql("(f = 3.4028235e+38::real)::text") == "true");
    CHECK(sql("d::text") == "5e-324");
    CHECK(sql("od::text") == "0.1");
    auto more = roundtrip({.f = 0.1f, .d = D::max(), .of = F::min(), .od = D::min()});
    CHECK(bits(more.f) == bits(0.1f));
    CHECK(bits(more.d) == bits(D::max()));
    CHECK(bits(*more.of) == bits(F::min()));
    CHECK(bits(*more.od) == bits(D::min()));
    CHECK(sql("f::text || ' ' || d::text") == "0.1 1.7976931348623157e+308");
  }
}

TEST_CASE_METHOD(types_fixture, "types: strings with SQL metacharacters are data, never SQL",
                 "[pg][types]") {
  const std::vector<std::string> values = {
      "'; DROP TABLE samples; --",
      "Robert'); DROP TABLE students;--",
      "embedded \"double\" and 'single' quotes",
      "back\\slash \\\\ and \\' \\x41",
      "$1 $2 $$ dollar $tag$ quoting $tag$",
      "%s %n %x {} {0} ${x}",
      "tab\tnewline\ncarriage\rbell\x07 escape\x1b",
      "E'\\n' U&'\\0041'",
      "",
  };
  for (const auto& v : values) {
    INFO("value: " << v);
    auto out = roundtrip({.s = v, .os = v});
    CHECK(out.s == v);
    CHECK(out.os == std::optional<std::string>(v));
    CHECK(equals_param("s", v));
    CHECK(equals_param("os", v));
    CHECK(sql("octet_length(s)::text") == std::to_string(v.size()));
  }
  CHECK(count("samples") == static_cast<long long>(values.size()));
  CHECK(value("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = "
              "'samples'") == "1");
}

TEST_CASE_METHOD(types_fixture, "types: empty string is a value, not NULL", "[pg][types]") {
  auto out = roundtrip({.s = "", .os = ""});
  CHECK(out.s.empty());
  CHECK(out.os == std::optional<std::string>(""));
  CHECK(sql("(s = '' AND os = '' AND os IS NOT NULL)::text") == "true");
}

TEST_CASE_METHOD(types_fixture, "types: Unicode text (emoji, CJK, combining, RTL)", "[pg][types]") {
  const std::string text =
      "emoji \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD, CJK "
      "\xE6\xBC\xA2\xE5\xAD\x97\xE3\x81\x8B\xE3\x81\xAA, "
      "combining e\xCC\x81, RTL \xD7\xA2\xD7\x91\xD7\xA8\xD7\x99\xD7\xAA, max \xF4\x8F\xBF\xBF";
  auto out = roundtrip(
      {.s = text, .arr = {"\xF0\x9F\x98\x80", "\xE6\xBC\xA2"}, .os = "\xE6\xBC\xA2\xE5\xAD\x97"});
  CHECK(out.s == text);
  CHECK(out.arr == std::vector<std::string>{"\xF0\x9F\x98\x80", "\xE6\xBC\xA2"});
  CHECK(out.os == std::optional<std::string>("\xE6\xBC\xA2\xE5\xAD\x97"));
  CHECK(equals_param("s", text));
  CHECK(sql("char_length(os)::text") == "2");
  CHECK(sql("char_length(arr[1])::text") == "1");
  CHECK(sql("to_hex(ascii(arr[1]))") == "1f600");
  std::size_t code_points = 0;
  for (unsigned char c : text) code_points += (c & 0xC0) != 0x80;
  CHECK(sql("char_length(s)::text") == std::to_string(code_points));
}

TEST_CASE_METHOD(types_fixture, "types: very long strings (1 MB and 10 MB)", "[pg][types][slow]") {
  for (std::size_t size : {std::size_t{1} << 20, std::size_t{10} << 20}) {
    INFO("size " << size);
    std::string big(size, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4093)
      big[i] = static_cast<char>('a' + (i / 4093) % 26);
    big.back() = '!';
    auto out = roundtrip({.s = big, .os = big.substr(0, 1000)});
    CHECK(out.s.size() == size);
    CHECK(out.s == big);
    CHECK(sql("octet_length(s)::text") == std::to_string(size));
    CHECK(sql("right(s, 1)") == "!");
    CHECK(sql("substr(s, 4094, 1)") == "b");
  }
}

TEST_CASE_METHOD(types_fixture, "types: text[] empty, large, and with awkward elements",
                 "[pg][types]") {
  SECTION("empty") {
    auto out = roundtrip({.arr = {}, .oarr = std::vector<std::string>{}});
    CHECK(out.arr.empty());
    REQUIRE(out.oarr.has_value());
    CHECK(out.oarr->empty());
    CHECK(sql("(arr = '{}'::text[] AND cardinality(arr) = 0 AND oarr IS NOT NULL)::text") ==
          "true");
  }
  SECTION("10k elements") {
    std::vector<std::string> many;
    for (int i = 0; i < 10'000; ++i) many.push_back("element-" + std::to_string(i));
    auto out = roundtrip({.arr = many});
    CHECK(out.arr == many);
    CHECK(sql("cardinality(arr)::text") == "10000");
    CHECK(sql("array_lower(arr, 1)::text") == "1");
    CHECK(sql("arr[1] || ' ' || arr[5000] || ' ' || arr[10000]") ==
          "element-0 element-4999 element-9999");
  }
  SECTION("elements with commas, quotes, braces, backslashes, NULL-like text, empty, spaces") {
    const std::vector<std::string> awkward = {
        "a,b",      "\"quoted\"", "{braces}",    "NULL",
        "null",     "",           "back\\slash", " leading and trailing ",
        "'single'", "x}{y\"z,"};
    auto out = roundtrip({.arr = awkward, .oarr = awkward});
    CHECK(out.arr == awkward);
    CHECK(out.oarr == std::optional<std::vector<std::string>>(awkward));
    CHECK(sql("cardinality(arr)::text") == "10");
    CHECK(sql("(array_position(arr, NULL) IS NULL)::text") == "true");  // no SQL NULL element
    for (std::size_t i = 0; i < awkward.size(); ++i) {
      INFO("element " << i + 1);
      CHECK(equals_param("arr[" + std::to_string(i + 1) + "]", awkward[i]));
    }
  }
}

TEST_CASE_METHOD(types_fixture, "types: uuid", "[pg][types]") {
  const auto u = *typedao::parse_uuid("00112233-4455-6677-8899-AABBCCDDEEFF");
  auto out = roundtrip({.u = u, .ou = typedao::uuid{}});
  CHECK(out.u == u);
  CHECK(out.ou == std::optional<typedao::uuid>(typedao::uuid{}));  // the nil uuid is a value
  CHECK(sql("u::text") == "00112233-4455-6677-8899-aabbccddeeff");
  CHECK(sql("ou::text") == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE_METHOD(types_fixture,
                 "types: timestamps to the microsecond, far past, far future, infinity",
                 "[pg][types]") {
  using namespace std::chrono;
  SECTION("microseconds") {
    const auto t =
        at(year{2024} / 2 / 29, hours{23} + minutes{59} + seconds{59} + microseconds{999'999});
    auto out = roundtrip({.ts = t, .ots = t + microseconds{1}});
    CHECK(out.ts == t);
    CHECK(out.ots == t + microseconds{1});
    CHECK(sql(iso_sql("ts")) == "2024-02-29T23:59:59.999999Z");
    CHECK(sql(iso_sql("ots")) == "2024-03-01T00:00:00.000000Z");
  }
  SECTION("before 1970 and before 2000 (negative offsets)") {
    const auto t =
        at(year{1969} / 12 / 31, hours{23} + minutes{59} + seconds{59} + microseconds{999'999});
    auto out = roundtrip({.ts = t, .ots = at(year{1999} / 12 / 31, microseconds{1})});
    CHECK(out.ts == t);
    CHECK(sql(iso_sql("ts")) == "1969-12-31T23:59:59.999999Z");
    CHECK(sql(iso_sql("ots")) == "1999-12-31T00:00:00.000001Z");
    CHECK(iso(out.ts) == "1969-12-31T23:59:59.999999Z");
  }
  SECTION("year 1") {
    const auto t = at(year{1} / 1 / 1);
    auto out = roundtrip({.ts = t, .ots = at(year{1} / 1 / 1, microseconds{1})});
    CHECK(out.ts == t);
    CHECK(sql(iso_sql("ts")) == "0001-01-01T00:00:00.000000Z");
    CHECK(sql(iso_sql("ots")) == "0001-01-01T00:00:00.000001Z");
  }
  SECTION("year 9999") {
    const auto t =
        at(year{9999} / 12 / 31, hours{23} + minutes{59} + seconds{59} + microseconds{999'999});
    auto out = roundtrip({.ts = t});
    CHECK(out.ts == t);
    CHECK(sql(iso_sql("ts")) == "9999-12-31T23:59:59.999999Z");
  }
  SECTION("timestamp::max() is infinity, timestamp::min() is -infinity") {
    auto out = roundtrip({.ts = typedao::timestamp::max(), .ots = typedao::timestamp::min()});
    CHECK(out.ts == typedao::timestamp::max());
    CHECK(out.ots == typedao::timestamp::min());
    CHECK(sql("ts::text") == "infinity");
    CHECK(sql("ots::text") == "-infinity");
    CHECK(sql("(ts = 'infinity'::timestamptz AND ots = '-infinity'::timestamptz)::text") == "true");
  }
}

TEST_CASE_METHOD(types_fixture, "types: optionals empty are NULL, set are values", "[pg][types]") {
  SECTION("empty") {
    auto out = roundtrip({});
    CHECK(out.ob == std::nullopt);
    CHECK(out.oi16 == std::nullopt);
    CHECK(out.oi32 == std::nullopt);
    CHECK(out.oi64 == std::nullopt);
    CHECK(out.of == std::nullopt);
    CHECK(out.od == std::nullopt);
    CHECK(out.os == std::nullopt);
    CHECK(out.oarr == std::nullopt);
    CHECK(out.ou == std::nullopt);
    CHECK(out.ots == std::nullopt);
    CHECK(sql("num_nulls(ob, oi16, oi32, oi64, of, od, os, oarr, ou, ots)::text") == "10");
    CHECK(sql("num_nulls(b, i16, i32, i64, f, d, s, arr, u, ts)::text") == "0");
  }
  SECTION("set (to zero-like values, which are still values)") {
    auto out = roundtrip({.ob = false,
                          .oi16 = 0,
                          .oi32 = 0,
                          .oi64 = 0,
                          .of = 0.0f,
                          .od = 0.0,
                          .os = "",
                          .oarr = std::vector<std::string>{},
                          .ou = typedao::uuid{},
                          .ots = typedao::timestamp{}});
    CHECK(out.ob == false);
    CHECK(out.oi16 == 0);
    CHECK(out.oi32 == 0);
    CHECK(out.oi64 == 0);
    CHECK(out.of == 0.0f);
    CHECK(out.od == 0.0);
    CHECK(out.os == "");
    CHECK(out.oarr == std::vector<std::string>{});
    CHECK(out.ou == typedao::uuid{});
    CHECK(out.ots == typedao::timestamp{});
    CHECK(sql("num_nulls(ob, oi16, oi32, oi64, of, od, os, oarr, ou, ots)::text") == "0");
    CHECK(sql(iso_sql("ots")) == "1970-01-01T00:00:00.000000Z");
  }
}

TEST_CASE_METHOD(types_fixture, "types: rows written with plain SQL decode into the struct",
                 "[pg][types]") {
  exec(
      "INSERT INTO samples (id, b, i16, i32, i64, f, d, s, arr, u, ts, ob, oi16, oi32, oi64, of, "
      "od, os, oarr, ou, ots) "
      "VALUES ('11111111-2222-4333-8444-555555555555', true, -32768, 2147483647, "
      "-9223372036854775808, "
      "'-Infinity', '-0', 'it''s', '{\"a,b\",\"NULL\",\"\"}', "
      "'ffffffff-ffff-ffff-ffff-ffffffffffff', "
      "'2000-01-01 00:00:00.000001+00', NULL, 7, NULL, 8, 'NaN', NULL, '\\x', ARRAY[]::text[], "
      "NULL, "
      "'0001-01-01 00:00:00+00')");
  auto r = samples.select(*typedao::parse_uuid("11111111-2222-4333-8444-555555555555"));
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  const Sample& s = **r;
  using namespace std::chrono;
  CHECK(s.b);
  CHECK(s.i16 == -32768);
  CHECK(s.i32 == 2147483647);
  CHECK(s.i64 == std::numeric_limits<std::int64_t>::min());
  CHECK(s.f == -std::numeric_limits<float>::infinity());
  CHECK(s.d == 0.0);
  CHECK(std::signbit(s.d));
  CHECK(s.s == "it's");
  CHECK(s.arr == std::vector<std::string>{"a,b", "NULL", ""});
  CHECK(typedao::to_string(s.u) == "ffffffff-ffff-ffff-ffff-ffffffffffff");
  CHECK(s.ts == at(year{2000} / 1 / 1, microseconds{1}));
  CHECK(s.ob == std::nullopt);
  CHECK(s.oi16 == std::int16_t{7});
  CHECK(s.oi32 == std::nullopt);
  CHECK(s.oi64 == std::int64_t{8});
  REQUIRE(s.of.has_value());
  CHECK(std::isnan(*s.of));
  CHECK(s.od == std::nullopt);
  CHECK(s.os == std::optional<std::string>("\\x"));
  CHECK(s.oarr == std::optional<std::vector<std::string>>(std::vector<std::string>{}));
  CHECK(s.ou == std::nullopt);
  CHECK(s.ots == at(year{1} / 1 / 1));
}

TEST_CASE_METHOD(types_fixture,
                 "types: values the struct cannot hold are a DATABASE_ERROR naming the column",
                 "[pg][types][errors]") {
  SECTION("a NULL element in a text[]") {
    exec(
        "INSERT INTO samples (id, b, i16, i32, i64, f, d, s, arr, u, ts) VALUES "
        "('11111111-2222-4333-8444-555555555555', false, 0, 0, 0, 0, 0, '', ARRAY['a', NULL], "
        "'11111111-2222-4333-8444-555555555555', now())");
    auto r = samples.select(*typedao::parse_uuid("11111111-2222-4333-8444-555555555555"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::database_error);
    CHECK(r.error().message ==
          "could not decode column 'arr' of 'samples': NULL element in a text[] mapped to "
          "std::vector<std::string>");
  }
  SECTION("a timestamp beyond the range of typedao::timestamp") {
    exec(
        "INSERT INTO samples (id, b, i16, i32, i64, f, d, s, arr, u, ts) VALUES "
        "('11111111-2222-4333-8444-555555555555', false, 0, 0, 0, 0, 0, '', '{}', "
        "'11111111-2222-4333-8444-555555555555', '294276-12-31 23:59:59+00')");
    auto r = samples.select(*typedao::parse_uuid("11111111-2222-4333-8444-555555555555"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::database_error);
    CHECK(r.error().message == "could not decode column 'ts' of 'samples': timestamp out of range");
  }
  SECTION("a two-dimensional text[]") {
    exec(
        "INSERT INTO samples (id, b, i16, i32, i64, f, d, s, arr, u, ts) VALUES "
        "('11111111-2222-4333-8444-555555555555', false, 0, 0, 0, 0, 0, '', '{{a,b},{c,d}}', "
        "'11111111-2222-4333-8444-555555555555', now())");
    auto r = samples.select(*typedao::parse_uuid("11111111-2222-4333-8444-555555555555"));
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "could not decode column 'arr' of 'samples': expected a one-dimensional array");
  }
}

TEST_CASE_METHOD(types_fixture, "types: a column whose type changed is reported, not misread",
                 "[pg][types][errors]") {
  REQUIRE_OK(samples.insert({.i32 = 5}));
  exec("ALTER TABLE samples ALTER COLUMN i32 TYPE bigint");
  // A fresh connection: the old one's prepared statements would fail with "cached plan must not
  // change result type" instead.
  auto c2 = open_second();
  typedao::dao<Sample, typedao::pg::connection> d2(c2);
  auto r = d2.select(*typedao::parse_uuid(value("SELECT id::text FROM samples")));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().message ==
        "column 'i32' has type oid 20, expected 23 (integer); migrate the table");
}

}  // namespace typedao_it_types_roundtrip
