// The full type mapping through a real PostgreSQL: bytea, date, numeric, described enums, arrays
// of every scalar, sets, records / maps / JSON values (jsonb, jsonb[]) and a user codec (inet).
// Every value goes in with insert and comes back with select, AND is checked on the server with
// SQL (::text, functions, operators), so a symmetric encode/decode bug cannot hide. Rows written
// with plain SQL are decoded too, including values the struct cannot hold.

#include "ip_address_codec.hpp"
#include "pg_fixture.hpp"

#include <typedao/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

// A namespace named after the file (see bad_input_test.cpp for why not only an anonymous one).
namespace typedao_it_types_full {
namespace {

using typedao::bytes;
using typedao::date;
using typedao::json_value;
using typedao::numeric;
using typedao::timestamp;

enum class protocol { http, https, grpc };
BOOST_DESCRIBE_ENUM(protocol, http, https, grpc)

struct limits {
  std::int32_t burst = 10;
  std::optional<double> rate;
  std::vector<std::string> paths;
  protocol proto = protocol::http;
  friend bool operator==(const limits&, const limits&) = default;
};
BOOST_DESCRIBE_STRUCT(limits, (), (burst, rate, paths, proto))

struct Full {
  typedao::uuid id;
  bytes bin;
  std::optional<bytes> obin;
  date day{};
  std::optional<date> oday;
  numeric num;
  std::optional<numeric> onum;
  protocol proto = protocol::http;
  std::optional<protocol> oproto;
  std::vector<bool> bools;
  std::vector<std::int16_t> i16s;
  std::vector<std::int32_t> i32s;
  std::vector<std::int64_t> i64s;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<std::string> texts;
  std::vector<bytes> bins;
  std::vector<typedao::uuid> uuids;
  std::vector<timestamp> times;
  std::vector<date> days;
  std::vector<numeric> nums;
  std::vector<protocol> protos;
  std::set<std::string> labels;
  std::set<protocol> protoset;
  std::optional<std::set<std::int64_t>> oset;
  limits lim;
  std::optional<limits> olim;
  std::map<std::string, std::int64_t> counters;
  json_value extra;
  std::optional<json_value> oextra;
  std::vector<limits> tiers;
};
BOOST_DESCRIBE_STRUCT(Full, (),
                      (id, bin, obin, day, oday, num, onum, proto, oproto, bools, i16s, i32s, i64s,
                       floats, doubles, texts, bins, uuids, times, days, nums, protos, labels,
                       protoset, oset, lim, olim, counters, extra, oextra, tiers))
TYPEDAO_ENTITY(Full, "full_types")

// Keys and unique members of the new types: rendered in Kong's messages.
struct Holiday {
  date day{};
  std::string name;
  protocol kind = protocol::http;
  numeric amount;
};
BOOST_DESCRIBE_STRUCT(Holiday, (), (day, name, kind, amount))
TYPEDAO_ENTITY(Holiday, "holidays", typedao::primary_key(&Holiday::day),
               typedao::unique(&Holiday::kind), typedao::unique(&Holiday::amount))

// A user codec (tests/support/ip_address_codec.hpp, as in docs/types.md).
struct Host {
  typedao::uuid id;
  netdemo::ip_address addr;
  std::optional<netdemo::ip_address> backup;
  std::vector<netdemo::ip_address> pool;
};
BOOST_DESCRIBE_STRUCT(Host, (), (id, addr, backup, pool))
TYPEDAO_ENTITY(Host, "hosts", typedao::unique(&Host::addr))

using typedao::set;
using typedao_test::pg_fixture;

template <class F>
auto bits(F v) {
  if constexpr (sizeof(F) == 4)
    return std::bit_cast<std::uint32_t>(v);
  else
    return std::bit_cast<std::uint64_t>(v);
}

timestamp at(std::chrono::year_month_day d, std::chrono::microseconds tod = {}) {
  return std::chrono::sys_days{d} + tod;
}

struct full_fixture : pg_fixture {
  typedao::database<Full, Holiday, Host> db{conn};
  typedao_test::dao_t<decltype(db), Full> full = db.dao<Full>();
  typedao_test::dao_t<decltype(db), Holiday> holidays = db.dao<Holiday>();
  typedao_test::dao_t<decltype(db), Host> hosts = db.dao<Host>();
  typedao::uuid last_id;

  full_fixture() {
    REQUIRE_OK(db.migrate());
    exec("SET DateStyle = 'ISO, MDY'");
    exec("SET TimeZone = 'UTC'");
    exec("SET extra_float_digits = 1");
  }

  // insert, then select: the selected row must equal what insert returned; returns it.
  Full roundtrip(const Full& in) {
    auto ins = full.insert(in);
    REQUIRE_OK(ins);
    auto sel = full.select(ins->id);
    REQUIRE_OK(sel);
    REQUIRE(sel->has_value());
    last_id = ins->id;
    return **sel;
  }
  // An SQL expression over the last row, as the server prints it.
  std::optional<std::string> sql(const std::string& expr) {
    return scalar("SELECT (" + expr + ")::text FROM full_types WHERE id = $1::uuid",
                  {typedao::to_string(last_id)});
  }
  // The server evaluates a boolean expression over the last row ($2: `param`, when given).
  bool holds(const std::string& expr, const std::optional<std::string>& param = std::nullopt) {
    std::vector<std::string> params{typedao::to_string(last_id)};
    if (param) params.push_back(*param);
    return scalar("SELECT (" + expr + ")::text FROM full_types WHERE id = $1::uuid", params) ==
           std::optional<std::string>("true");
  }
  // Selecting the row written by SQL: the error it gives.
  typedao::error select_error(const std::string& id) {
    auto r = full.select(*typedao::parse_uuid(id));
    REQUIRE_FALSE(r);
    return r.error();
  }
};

const std::string row_id = "11111111-2222-4333-8444-555555555555";

void check_violation(const typedao::error& e, const std::string& message) {
  CHECK(e.code == typedao::error_code::schema_violation);
  CHECK(e.message == message);
  CHECK(e.server.sqlstate.empty());  // refused before any SQL was sent
}

}  // namespace
}  // namespace typedao_it_types_full

namespace typedao_it_types_full {

// ---------------------------------------------------------------------------------------------
// the table

TEST_CASE_METHOD(full_fixture, "full types: migrate creates each column with its PostgreSQL type",
                 "[pg][types]") {
  CHECK(value("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || "
              "CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum) "
              "FROM pg_attribute WHERE attrelid = 'full_types'::regclass AND attnum > 0 AND NOT "
              "attisdropped") ==
        "id uuid not null, bin bytea not null, obin bytea, day date not null, oday date, "
        "num numeric not null, onum numeric, proto text not null, oproto text, bools boolean[] not "
        "null, "
        "i16s smallint[] not null, i32s integer[] not null, i64s bigint[] not null, floats real[] "
        "not null, "
        "doubles double precision[] not null, texts text[] not null, bins bytea[] not null, uuids "
        "uuid[] not null, "
        "times timestamp with time zone[] not null, days date[] not null, nums numeric[] not null, "
        "protos text[] not null, labels text[] not null, protoset text[] not null, oset bigint[], "
        "lim jsonb not null, olim jsonb, counters jsonb not null, extra jsonb not null, oextra "
        "jsonb, "
        "tiers jsonb[] not null");
  CHECK(value("SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM "
              "pg_attribute "
              "WHERE attrelid = 'hosts'::regclass AND attname IN ('addr', 'pool')") ==
        "inet, inet[]");
}

TEST_CASE_METHOD(full_fixture, "full types: defaults and empty values", "[pg][types]") {
  const Full out = roundtrip({});
  CHECK(out.bin.empty());
  CHECK(out.obin == std::nullopt);
  CHECK(out.num == numeric("0"));
  CHECK(out.proto == protocol::http);
  CHECK(out.bools.empty());
  CHECK(out.labels.empty());
  CHECK(out.lim == limits{});
  CHECK(out.extra.is_null());
  CHECK(out.oextra == std::nullopt);
  CHECK(out.tiers.empty());
  CHECK(sql("num_nulls(obin, oday, onum, oproto, oset, olim, oextra)") == "7");
  CHECK(sql("octet_length(bin)") == "0");
  CHECK(sql("day") == "1970-01-01");
  CHECK(sql("proto") == "http");
  CHECK(sql("cardinality(i32s) = 0 AND i32s = '{}' AND labels = '{}'") == "true");
  CHECK(sql("lim") ==
        R"({"rate": null, "burst": 10, "paths": [], "proto": "http"})");  // jsonb's key order
  CHECK(sql("jsonb_typeof(extra)") == "null");  // a JSON null, not an SQL NULL
  CHECK(sql("counters") == "{}");
}

// ---------------------------------------------------------------------------------------------
// bytea

TEST_CASE_METHOD(full_fixture, "full types: bytea, all byte values, empty and 4 MB",
                 "[pg][types]") {
  bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::byte>(i);
  bytes big(4 << 20);
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  auto out = roundtrip({.bin = all, .obin = bytes{}});
  CHECK(out.bin == all);
  CHECK(out.obin == bytes{});
  CHECK(sql("octet_length(bin)") == "256");
  CHECK(sql("md5(bin)") ==
        value("SELECT md5(string_agg(set_byte('\\x00'::bytea, 0, i), ''::bytea ORDER BY i)) "
              "FROM generate_series(0, 255) i"));
  CHECK(sql("encode(substr(bin, 1, 4), 'hex') || ' ' || encode(substr(bin, 253), 'hex')") ==
        "00010203 fcfdfeff");
  CHECK(sql("obin IS NOT NULL AND obin = ''::bytea") == "true");
  out = roundtrip({.bin = big});
  CHECK(out.bin == big);
  CHECK(sql("octet_length(bin)") == std::to_string(big.size()));
  CHECK(sql("get_byte(bin, 4194303)") == std::to_string(static_cast<unsigned>(big.back())));
}

// ---------------------------------------------------------------------------------------------
// date

TEST_CASE_METHOD(full_fixture, "full types: dates, far past and future, infinity", "[pg][types]") {
  using namespace std::chrono;
  SECTION("ordinary and leap days") {
    auto out =
        roundtrip({.day = year{2024} / February / 29, .oday = date{year{1999} / December / 31}});
    CHECK(out.day == date{year{2024} / February / 29});
    CHECK(out.oday == date{year{1999} / December / 31});
    CHECK(sql("day") == "2024-02-29");
    CHECK(sql("oday") == "1999-12-31");
    CHECK(sql("day - date '2000-01-01'") == "8825");
  }
  SECTION("PostgreSQL's first and last day") {
    const date first = year{-4713} / November / 24;                  // 4714-11-24 BC
    const date last = date{days{std::int64_t{0x7fda970c} + 10957}};  // 5874897-12-31
    auto out = roundtrip({.day = first, .oday = last});
    CHECK(out.day == first);
    CHECK(out.oday == last);
    CHECK(sql("day") == "4714-11-24 BC");
    CHECK(sql("oday") == "5874897-12-31");
  }
  SECTION("infinity") {
    auto out = roundtrip({.day = date::max(), .oday = date::min()});
    CHECK(out.day == date::max());
    CHECK(out.oday == date::min());
    CHECK(sql("day") == "infinity");
    CHECK(sql("oday") == "-infinity");
    CHECK(sql("isfinite(day)") == "false");
  }
  SECTION("a day after PostgreSQL's last is refused by the server") {
    auto r = full.insert({.day = date{days{std::int64_t{0x7fda970c} + 10958}}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::database_error);
    CHECK(r.error().server.sqlstate == "22008");
    CHECK(count("full_types") == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// numeric

TEST_CASE_METHOD(full_fixture, "full types: numeric, exact to the last digit", "[pg][types]") {
  SECTION("ordinary values and their scale") {
    for (const char* text : {"0", "0.00", "-1", "123.45", "-0.000123", "1e20", "99999999.99999999",
                             "0.1", "3.14159265358979323846264338327950288419716939937510"}) {
      INFO(text);
      const numeric n(text);
      auto out = roundtrip({.num = n, .onum = n});
      CHECK(out.num == n);
      CHECK(out.onum == n);
      CHECK(sql("num") == n.str());
      CHECK(holds("num = $2::numeric AND scale(num) = " + std::to_string(n.scale()), n.str()));
    }
  }
  SECTION("NaN and infinities") {
    auto out = roundtrip({.num = numeric::nan(), .onum = numeric::minus_infinity()});
    CHECK(out.num.is_nan());
    CHECK(out.onum == numeric::minus_infinity());
    CHECK(sql("num") == "NaN");
    CHECK(sql("onum") == "-Infinity");
    out = roundtrip({.num = numeric::infinity()});
    CHECK(out.num == numeric::infinity());
    CHECK(sql("num = 'Infinity'::numeric") == "true");
  }
  SECTION("many digits: 1000 before and after the point, and numeric's limits") {
    std::string digits;
    for (int i = 0; i < 1000; ++i) digits.push_back(static_cast<char>('1' + i % 9));
    const numeric wide("-" + digits + "." + digits);
    auto out = roundtrip({.num = wide});
    CHECK(out.num == wide);
    CHECK(sql("num") == wide.str());
    CHECK(sql("length(num::text)") == "2002");
    const numeric widest(std::string(131072, '9') + "." + std::string(16383, '9'));
    out = roundtrip({.num = widest});
    CHECK(out.num == widest);
    CHECK(holds("num = $2::numeric", widest.str()));
    CHECK(sql("scale(num)") == "16383");
    const numeric tiny("1e-16383");
    out = roundtrip({.num = tiny});
    CHECK(out.num == tiny);
    CHECK(sql("scale(num) || ' ' || (num > 0) || ' ' || right(num::text, 3)") == "16383 true 001");
  }
  SECTION("a column with a negative scale (PostgreSQL 15) rounds on the server") {
    exec("ALTER TABLE full_types ALTER COLUMN onum TYPE numeric(10, -2)");
    auto c2 = open_second();  // its prepared statements know the new column
    typedao::database<Full, Holiday, Host> db2{c2};
    auto d2 = db2.dao<Full>();
    auto ins = d2.insert({.num = numeric("12345.678"), .onum = numeric("12345.678")});
    REQUIRE_OK(ins);
    CHECK(ins->onum == numeric("12300"));
    CHECK(ins->num == numeric("12345.678"));
    last_id = ins->id;
    CHECK(sql("onum") == "12300");
    auto sel = d2.select(ins->id);
    REQUIRE_OK(sel);
    CHECK((*sel)->onum == numeric("12300"));
  }
}

// ---------------------------------------------------------------------------------------------
// enums

TEST_CASE_METHOD(full_fixture, "full types: enums are stored as their names", "[pg][types]") {
  auto out = roundtrip({.proto = protocol::grpc, .oproto = protocol::https});
  CHECK(out.proto == protocol::grpc);
  CHECK(out.oproto == protocol::https);
  CHECK(sql("proto || ' ' || oproto") == "grpc https");
  CHECK(value("SELECT count(*) FROM full_types WHERE proto = 'grpc'") == "1");
}

TEST_CASE_METHOD(full_fixture,
                 "full types: an enum value that is no enumerator is a schema violation",
                 "[pg][types][errors]") {
  auto r = full.insert({.proto = static_cast<protocol>(7)});
  REQUIRE_FALSE(r);
  check_violation(r.error(), "schema violation (proto: expected one of: http, https, grpc)");
  r = full.insert({.protos = {protocol::http, static_cast<protocol>(-1)}});
  REQUIRE_FALSE(r);
  check_violation(r.error(), "schema violation (protos.2: expected one of: http, https, grpc)");
  CHECK(count("full_types") == 0);
  auto ok = full.insert({});
  REQUIRE_OK(ok);
  auto u = full.update(ok->id, set<&Full::oproto>(static_cast<protocol>(3)));
  REQUIRE_FALSE(u);
  check_violation(u.error(), "schema violation (oproto: expected one of: http, https, grpc)");
  u = full.update(ok->id, set<&Full::oproto>(protocol::https), set<&Full::num>(numeric("2.50")));
  REQUIRE_OK(u);
  CHECK(u->oproto == protocol::https);
  CHECK(u->num == numeric("2.50"));
}

TEST_CASE_METHOD(full_fixture,
                 "full types: an unknown name stored by someone else is a DATABASE_ERROR",
                 "[pg][types][errors]") {
  exec(
      "INSERT INTO full_types (id, bin, day, num, proto, bools, i16s, i32s, i64s, floats, doubles, "
      "texts, bins, "
      "uuids, times, days, nums, protos, labels, protoset, lim, counters, extra, tiers) VALUES ('" +
      row_id +
      "', '', now(), 0, 'gopher', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', "
      "'{}', '{}', '{}', "
      "'{}', '{}', '{}', '{}', 'null', '{}')");
  auto e = select_error(row_id);
  CHECK(e.code == typedao::error_code::database_error);
  CHECK(e.message ==
        R"(could not decode column 'proto' of 'full_types': unknown enumerator "gopher")");
  exec("UPDATE full_types SET proto = 'http', protos = '{https,ftp}'");
  CHECK(select_error(row_id).message ==
        R"(could not decode column 'protos' of 'full_types': unknown enumerator "ftp")");
  exec("UPDATE full_types SET protos = '{}', protoset = '{grpc,grpc,http}'");
  auto r = full.select(*typedao::parse_uuid(row_id));
  REQUIRE_OK(r);
  CHECK((*r)->protoset == std::set<protocol>{protocol::http, protocol::grpc});  // set semantics
}

// ---------------------------------------------------------------------------------------------
// arrays

TEST_CASE_METHOD(full_fixture, "full types: arrays of every scalar, with extremes", "[pg][types]") {
  using F = std::numeric_limits<float>;
  using D = std::numeric_limits<double>;
  const auto u1 = *typedao::parse_uuid("00112233-4455-6677-8899-aabbccddeeff");
  Full in{};
  in.bools = {true, false, true};
  in.i16s = {INT16_MIN, 0, INT16_MAX};
  in.i32s = {INT32_MIN, -1, INT32_MAX};
  in.i64s = {INT64_MIN, 0, INT64_MAX};
  in.floats = {F::quiet_NaN(), F::infinity(), -F::infinity(), -0.0f, F::denorm_min(), F::max()};
  in.doubles = {D::quiet_NaN(), -D::infinity(), D::denorm_min(), D::max(), 0.1};
  in.texts = {"", "a,b", "\"q\"", "NULL", "\xF0\x9F\x98\x80 emoji", "back\\slash"};
  in.bins = {bytes{}, bytes{std::byte{0}, std::byte{0xff}}};
  in.uuids = {u1, typedao::uuid{}};
  in.times = {timestamp::max(), timestamp::min(),
              at(std::chrono::year{2024} / 5 / 1, std::chrono::microseconds{1}),
              at(std::chrono::year{-4713} / 11 / 24)};
  in.days = {date::max(), date::min(), date{std::chrono::year{2000} / 1 / 1}};
  in.nums = {numeric("0"), numeric("-1.25"), numeric::nan(), numeric::infinity(),
             numeric("1e-100")};
  in.protos = {protocol::grpc, protocol::http, protocol::grpc};
  const Full out = roundtrip(in);
  CHECK(out.bools == in.bools);
  CHECK(out.i16s == in.i16s);
  CHECK(out.i32s == in.i32s);
  CHECK(out.i64s == in.i64s);
  REQUIRE(out.floats.size() == in.floats.size());
  for (std::size_t i = 0; i < in.floats.size(); ++i)
    CHECK(bits(out.floats[i]) == bits(in.floats[i]));
  REQUIRE(out.doubles.size() == in.doubles.size());
  for (std::size_t i = 0; i < in.doubles.size(); ++i)
    CHECK(bits(out.doubles[i]) == bits(in.doubles[i]));
  CHECK(out.texts == in.texts);
  CHECK(out.bins == in.bins);
  CHECK(out.uuids == in.uuids);
  CHECK(out.times == in.times);
  CHECK(out.days == in.days);
  CHECK(out.nums == in.nums);
  CHECK(out.protos == in.protos);

  CHECK(sql("bools") == "{t,f,t}");
  CHECK(sql("i16s") == "{-32768,0,32767}");
  CHECK(sql("i32s") == "{-2147483648,-1,2147483647}");
  CHECK(sql("i64s") == "{-9223372036854775808,0,9223372036854775807}");
  CHECK(sql("floats") == "{NaN,Infinity,-Infinity,-0,1e-45,3.4028235e+38}");
  CHECK(sql("doubles") == "{NaN,-Infinity,5e-324,1.7976931348623157e+308,0.1}");
  CHECK(sql("cardinality(texts) || ':' || array_to_string(texts, '|')") ==
        "6:|a,b|\"q\"|NULL|\xF0\x9F\x98\x80 emoji|back\\slash");
  CHECK(sql("encode(bins[2], 'hex') || octet_length(bins[1])") == "00ff0");
  CHECK(sql("uuids") ==
        "{00112233-4455-6677-8899-aabbccddeeff,00000000-0000-0000-0000-000000000000}");
  CHECK(sql("times[1] = 'infinity' AND times[2] = '-infinity' AND times[3] = '2024-05-01 "
            "00:00:00.000001+00' "
            "AND times[4] = '4714-11-24 00:00:00+00 BC'") == "true");
  CHECK(sql("days") == "{infinity,-infinity,2000-01-01}");
  CHECK(sql("nums") == "{0,-1.25,NaN,Infinity,0." + std::string(99, '0') + "1}");
  CHECK(sql("protos") == "{grpc,http,grpc}");
  CHECK(sql("array_lower(i32s, 1) || ' ' || array_ndims(i32s)") == "1 1");
}

TEST_CASE_METHOD(full_fixture, "full types: very large arrays (100k elements)",
                 "[pg][types][slow]") {
  Full in{};
  for (std::int64_t i = 0; i < 100'000; ++i) {
    in.i64s.push_back(i * 1'000'003 - 7);
    in.nums.push_back(numeric(std::to_string(i) + ".5"));
  }
  in.bools.assign(100'000, true);
  const Full out = roundtrip(in);
  CHECK(out.i64s == in.i64s);
  CHECK(out.nums == in.nums);
  CHECK(out.bools == in.bools);
  CHECK(sql("cardinality(i64s) || ' ' || i64s[100000] || ' ' || nums[100000] || ' ' || "
            "cardinality(bools)") == "100000 99999299990 99999.5 100000");
  CHECK(holds("(SELECT sum(x) FROM unnest(i64s) x) = $2::numeric", "4999964999150000"));
}

TEST_CASE_METHOD(full_fixture, "full types: sets drop duplicates and keep order", "[pg][types]") {
  const Full out = roundtrip({.labels = {"b", "a", "c", "a"},
                              .protoset = {protocol::https, protocol::http},
                              .oset = std::set<std::int64_t>{3, -1, 3}});
  CHECK(out.labels == std::set<std::string>{"a", "b", "c"});
  CHECK(out.oset == std::set<std::int64_t>{-1, 3});
  CHECK(sql("labels") == "{a,b,c}");
  CHECK(sql("protoset") == "{http,https}");
  CHECK(sql("oset") == "{-1,3}");
  exec("UPDATE full_types SET labels = '{z,y,z,y,x}'");
  auto r = full.select(last_id);
  REQUIRE_OK(r);
  CHECK((*r)->labels == std::set<std::string>{"x", "y", "z"});
}

TEST_CASE_METHOD(full_fixture, "full types: array values the struct cannot hold",
                 "[pg][types][errors]") {
  REQUIRE_OK(full.insert({.id = *typedao::parse_uuid(row_id)}));
  SECTION("NULL element") {
    exec("UPDATE full_types SET i32s = ARRAY[1, NULL]");
    CHECK(select_error(row_id).message ==
          "could not decode column 'i32s' of 'full_types': NULL element in an integer[] mapped to "
          "std::vector");
  }
  SECTION("NULL element in a set") {
    exec("UPDATE full_types SET labels = ARRAY['a', NULL]");
    CHECK(select_error(row_id).message ==
          "could not decode column 'labels' of 'full_types': NULL element in a text[] mapped to "
          "std::set<std::string>");
  }
  SECTION("two dimensions") {
    exec("UPDATE full_types SET nums = '{{1,2},{3,4}}'");
    CHECK(select_error(row_id).message ==
          "could not decode column 'nums' of 'full_types': expected a one-dimensional array");
  }
  SECTION("a timestamp beyond typedao::timestamp") {
    exec("UPDATE full_types SET times = ARRAY['294276-12-31 23:59:59+00'::timestamptz]");
    CHECK(select_error(row_id).message ==
          "could not decode column 'times' of 'full_types': timestamp out of range");
  }
  SECTION("element strings are checked before sending") {
    auto u =
        full.update(*typedao::parse_uuid(row_id), set<&Full::texts>({"ok", std::string("a\0b", 3)}),
                    set<&Full::labels>({"\xff"}));
    REQUIRE_FALSE(u);
    check_violation(
        u.error(),
        "2 schema violations (texts.2: must not contain NUL bytes; labels.1: expected a valid "
        "UTF-8 string)");  // members in declaration order
  }
}

// ---------------------------------------------------------------------------------------------
// records, maps, JSON values

TEST_CASE_METHOD(full_fixture, "full types: records, maps and JSON values as jsonb",
                 "[pg][types][json]") {
  Full in{};
  in.lim = {
      .burst = 7, .rate = 0.1, .paths = {"/a", "/\xC3\xA9t\xC3\xA9"}, .proto = protocol::grpc};
  in.olim = limits{.burst = -1};
  in.counters = {{"x", INT64_MAX}, {"y", INT64_MIN}, {"\xE6\xBC\xA2", 0}};
  in.extra =
      boost::json::parse(R"({"k":[1,2.5,"s",null,true,{"n":{}}],"big":18446744073709551615})");
  in.oextra = json_value("just a string");
  in.tiers = {limits{}, limits{.burst = 2, .proto = protocol::https}};
  const Full out = roundtrip(in);
  CHECK(out.lim == in.lim);
  CHECK(out.olim == in.olim);
  CHECK(out.counters == in.counters);
  CHECK(out.extra == in.extra);
  CHECK(out.oextra == in.oextra);
  CHECK(out.tiers == in.tiers);

  CHECK(sql("lim") == R"({"rate": 0.1, "burst": 7, "paths": ["/a", "/)"
                      "\xC3\xA9t\xC3\xA9"
                      R"("], "proto": "grpc"})");
  CHECK(sql("jsonb_typeof(lim->'rate') || jsonb_typeof(lim->'burst') || "
            "jsonb_typeof(lim->'paths')") == "numbernumberarray");
  CHECK(sql("(lim->>'rate')::float8 = 0.1 AND (lim->>'burst')::int = 7 AND lim->'paths'->>1 = "
            "'/\xC3\xA9t\xC3\xA9'") == "true");
  CHECK(sql("olim->'rate'") == "null");
  CHECK(sql("counters->>'x' || ' ' || (counters->>'y') || ' ' || (counters->>'\xE6\xBC\xA2')") ==
        "9223372036854775807 -9223372036854775808 0");
  CHECK(sql("extra @> '{\"k\": [2.5, {\"n\": {}}]}' AND extra->>'big' = '18446744073709551615'") ==
        "true");
  CHECK(sql("oextra #>> '{}'") == "just a string");
  CHECK(sql("cardinality(tiers) || ' ' || (tiers[2]->>'burst') || ' ' || (tiers[2]->>'proto')") ==
        "2 2 https");
}

TEST_CASE_METHOD(full_fixture, "full types: doubles inside jsonb read back bit for bit",
                 "[pg][types][json]") {
  std::mt19937_64 rng(11);
  std::vector<double> ds = {
      0.1, 1.0 / 3, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, 1e21, 123456789.0};
  while (ds.size() < 300) {
    const double d = std::bit_cast<double>(rng());
    if (std::isfinite(d)) ds.push_back(d);
  }
  boost::json::array arr;
  for (double d : ds) arr.emplace_back(d);
  Full in{};
  in.extra = arr;
  in.tiers = {limits{.rate = ds[2]}, limits{.rate = ds[3]}};
  const Full out = roundtrip(in);
  const auto& back = out.extra.as_array();
  REQUIRE(back.size() == ds.size());
  for (std::size_t i = 0; i < ds.size(); ++i) {
    INFO(i << ": " << ds[i]);
    const double b =
        back[i].is_double() ? back[i].as_double() : static_cast<double>(back[i].as_int64());
    CHECK(bits(b) == bits(ds[i]));
  }
  CHECK(bits(*out.tiers[1].rate) == bits(ds[3]));
  CHECK(holds("(extra->>0)::float8 = 0.1 AND (extra->>2)::float8 = 5e-324"));
}

TEST_CASE_METHOD(full_fixture,
                 "full types: JSON written by others: missing and extra members, wrong shapes",
                 "[pg][types][json][errors]") {
  REQUIRE_OK(full.insert({.id = *typedao::parse_uuid(row_id)}));
  SECTION("missing members keep their defaults, extra members are ignored") {
    exec(R"(UPDATE full_types SET lim = '{"rate": 2, "unknown": [1, 2], "proto": "https"}',
            tiers = ARRAY['{}'::jsonb, '{"burst": 3}'], counters = '{"a": 1.0e2}')");
    auto r = full.select(*typedao::parse_uuid(row_id));
    REQUIRE_OK(r);
    CHECK((*r)->lim == limits{.burst = 10, .rate = 2.0, .paths = {}, .proto = protocol::https});
    CHECK((*r)->tiers == std::vector<limits>{limits{}, limits{.burst = 3}});
    CHECK((*r)->counters == std::map<std::string, std::int64_t>{{"a", 100}});
  }
  SECTION("a wrong JSON type") {
    exec(R"(UPDATE full_types SET lim = '{"burst": "ten"}')");
    CHECK(
        select_error(row_id).message ==
        "could not decode column 'lim' of 'full_types': burst: expected an integer, got a string");
  }
  SECTION("null for a member that is not optional") {
    exec(R"(UPDATE full_types SET lim = '{"paths": ["a", null]}')");
    CHECK(select_error(row_id).message ==
          "could not decode column 'lim' of 'full_types': paths.2: expected a string, got null");
  }
  SECTION("an unknown enumerator inside JSON") {
    exec(R"(UPDATE full_types SET tiers = ARRAY['{"proto": "gopher"}'::jsonb])");
    CHECK(select_error(row_id).message ==
          R"(could not decode column 'tiers' of 'full_types': proto: unknown enumerator "gopher")");
  }
  SECTION("an integer out of range") {
    exec(R"(UPDATE full_types SET counters = '{"big": 9223372036854775808}')");
    CHECK(
        select_error(row_id).message ==
        "could not decode column 'counters' of 'full_types': big: integer out of range for bigint");
  }
  SECTION("not an object") {
    exec(R"(UPDATE full_types SET lim = '[1, 2]')");
    CHECK(select_error(row_id).message ==
          "could not decode column 'lim' of 'full_types': expected an object, got an array");
  }
  SECTION("a number beyond double") {
    exec(R"(UPDATE full_types SET extra = '[1e400]')");
    CHECK(select_error(row_id).message ==
          "could not decode column 'extra' of 'full_types': number out of range for a double");
  }
}

TEST_CASE_METHOD(full_fixture, "full types: what jsonb cannot store is refused before sending",
                 "[pg][types][json][errors]") {
  Full in{};
  in.lim.rate = std::nan("");
  auto r = full.insert(in);
  REQUIRE_FALSE(r);
  check_violation(
      r.error(),
      "schema violation (lim.rate: expected a finite number (JSON has no NaN or infinity))");
  in = Full{};
  in.tiers = {limits{.paths = {std::string("a\0b", 3)}}, limits{.paths = {"ok", "\xC3"}}};
  in.extra = boost::json::parse(R"({"a":[1]})");
  in.extra.as_object()["a"].as_array().emplace_back(std::numeric_limits<double>::infinity());
  r = full.insert(in);
  REQUIRE_FALSE(r);
  check_violation(
      r.error(),
      "3 schema violations (extra.a.2: expected a finite number (JSON has no NaN or infinity); "
      "tiers.1.paths.1: must not contain NUL bytes; tiers.2.paths.2: expected a valid UTF-8 "
      "string)");
  CHECK(count("full_types") == 0);
}

TEST_CASE_METHOD(full_fixture, "full types: Unicode through every text-carrying type",
                 "[pg][types]") {
  const std::string u =
      "\xF0\x9F\x98\x80 \xE6\xBC\xA2\xE5\xAD\x97 e\xCC\x81 "
      "\xD7\xA2\xD7\x91\xD7\xA8\xD7\x99\xD7\xAA \xF4\x8F\xBF\xBF";
  Full in{};
  in.texts = {u};
  in.labels = {u, "plain"};
  in.lim.paths = {u};
  in.counters = {{u, 1}};
  in.extra = json_value(u);
  const Full out = roundtrip(in);
  CHECK(out.texts == in.texts);
  CHECK(out.labels == in.labels);
  CHECK(out.lim.paths == in.lim.paths);
  CHECK(out.counters == in.counters);
  CHECK(out.extra == in.extra);
  CHECK(holds("texts[1] = $2 AND lim->'paths'->>0 = $2 AND extra #>> '{}' = $2 AND counters ? $2",
              u));
}

// ---------------------------------------------------------------------------------------------
// keys and unique members of the new types

TEST_CASE_METHOD(full_fixture, "full types: date keys, enum and numeric unique members",
                 "[pg][types]") {
  using namespace std::chrono;
  const date xmas = year{2024} / December / 25;
  REQUIRE_OK(holidays.insert(
      {.day = xmas, .name = "Christmas", .kind = protocol::http, .amount = numeric("12.50")}));
  auto by_key = holidays.select(xmas);
  REQUIRE_OK(by_key);
  REQUIRE(by_key->has_value());
  CHECK((*by_key)->name == "Christmas");
  auto by_kind = holidays.select_by<&Holiday::kind>(protocol::http);
  REQUIRE_OK(by_kind);
  REQUIRE(by_kind->has_value());
  auto by_amount = holidays.select_by<&Holiday::amount>(numeric("12.50"));
  REQUIRE_OK(by_amount);
  REQUIRE(by_amount->has_value());
  CHECK((*by_amount)->day == xmas);

  auto dup = holidays.insert(
      {.day = xmas, .name = "again", .kind = protocol::grpc, .amount = numeric("1")});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == typedao::error_code::primary_key_violation);
  CHECK(dup.error().message == R"(primary key violation on key '{day="2024-12-25"}')");
  dup = holidays.insert({.day = year{2025} / 1 / 1,
                         .name = "new year",
                         .kind = protocol::http,
                         .amount = numeric("2")});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message == R"(UNIQUE violation detected on '{kind="http"}')");
  dup = holidays.insert({.day = year{2025} / 1 / 1,
                         .name = "new year",
                         .kind = protocol::grpc,
                         .amount = numeric("12.50")});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message == "UNIQUE violation detected on '{amount=12.50}'");
  REQUIRE_OK(holidays.remove(xmas));
  CHECK(count("holidays") == 0);
}

// ---------------------------------------------------------------------------------------------
// a user codec

TEST_CASE_METHOD(full_fixture, "full types: a user codec (ip_address as inet)",
                 "[pg][types][custom]") {
  netdemo::ip_address v6{true, {0x20, 0x01, 0x0d, 0xb8}, 64};
  v6.bytes[15] = 1;
  auto ins = hosts.insert({.addr = netdemo::ipv4(192, 168, 0, 1, 24),
                           .backup = v6,
                           .pool = {netdemo::ipv4(10, 0, 0, 1), netdemo::ipv4(10, 0, 0, 2)}});
  REQUIRE_OK(ins);
  auto sel = hosts.select(ins->id);
  REQUIRE_OK(sel);
  REQUIRE(sel->has_value());
  CHECK((*sel)->addr == netdemo::ipv4(192, 168, 0, 1, 24));
  CHECK((*sel)->backup == v6);
  CHECK((*sel)->pool == ins->pool);
  CHECK(value("SELECT addr::text || ' ' || host(addr) || ' ' || family(addr) || ' ' || "
              "backup::text || ' ' || "
              "pool::text FROM hosts") ==
        "192.168.0.1/24 192.168.0.1 4 2001:db8::1/64 {10.0.0.1,10.0.0.2}");
  CHECK(value("SELECT (addr << '192.168.0.0/16'::inet)::text FROM hosts") == "true");
  auto by = hosts.select_by<&Host::addr>(netdemo::ipv4(192, 168, 0, 1, 24));
  REQUIRE_OK(by);
  CHECK(by->has_value());
  auto dup = hosts.insert({.addr = netdemo::ipv4(192, 168, 0, 1, 24)});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message == R"(UNIQUE violation detected on '{addr="192.168.0.1/24"}')");
  auto bad = hosts.insert({.addr = netdemo::ipv4(1, 2, 3, 4, 40)});
  REQUIRE_FALSE(bad);
  check_violation(bad.error(),
                  "schema violation (addr: prefix length must be at most 32 (IPv4) or 128 (IPv6))");
  exec("INSERT INTO hosts (id, addr, pool) VALUES ('" + row_id +
       "', '10.1.2.3', ARRAY['::1'::inet])");
  auto other = hosts.select(*typedao::parse_uuid(row_id));
  REQUIRE_OK(other);
  CHECK((*other)->addr == netdemo::ipv4(10, 1, 2, 3));
  REQUIRE((*other)->pool.size() == 1);
  CHECK(netdemo::to_text((*other)->pool[0]) == "0000:0000:0000:0000:0000:0000:0000:0001");
}

// ---------------------------------------------------------------------------------------------
// update and upsert carry the new types too

TEST_CASE_METHOD(full_fixture, "full types: update and upsert with every new kind of member",
                 "[pg][types]") {
  using namespace std::chrono;
  auto ins = full.insert({});
  REQUIRE_OK(ins);
  last_id = ins->id;
  auto u = full.update(
      ins->id, set<&Full::bin>(bytes{std::byte{7}}), set<&Full::day>(date{year{2030} / 1 / 2}),
      set<&Full::onum>(numeric("-0.5")), set<&Full::nums>({numeric("1"), numeric::nan()}),
      set<&Full::protoset>({protocol::grpc}), set<&Full::oset>(std::nullopt),
      set<&Full::lim>(limits{.burst = 3, .paths = {"/x"}}), set<&Full::counters>({{"k", 9}}),
      set<&Full::extra>(boost::json::parse(R"([1,"two"])")),
      set<&Full::tiers>({limits{.proto = protocol::grpc}}));
  REQUIRE_OK(u);
  CHECK(u->bin == bytes{std::byte{7}});
  CHECK(u->day == date{year{2030} / 1 / 2});
  CHECK(u->onum == numeric("-0.5"));
  CHECK(u->protoset == std::set<protocol>{protocol::grpc});
  CHECK(u->lim == limits{.burst = 3, .paths = {"/x"}});
  CHECK(sql("encode(bin, 'hex') || ' ' || day || ' ' || onum || ' ' || nums::text || ' ' || "
            "protoset::text || ' ' || "
            "(lim->>'burst') || ' ' || counters::text || ' ' || extra::text || ' ' || "
            "(tiers[1]->>'proto')") ==
        R"(07 2030-01-02 -0.5 {1,NaN} {grpc} 3 {"k": 9} [1, "two"] grpc)");

  Full replacement = *u;
  replacement.num = numeric("1e-3");
  replacement.oday = date::max();
  replacement.olim = limits{.rate = 0.25};
  replacement.counters.clear();
  auto up = full.upsert(ins->id, replacement);
  REQUIRE_OK(up);
  CHECK(up->num == numeric("0.001"));
  CHECK(up->oday == date::max());
  CHECK(up->olim == limits{.rate = 0.25});
  CHECK(up->counters.empty());
  CHECK(sql("num || ' ' || oday || ' ' || (olim->>'rate') || ' ' || counters::text") ==
        "0.001 infinity 0.25 {}");
  auto fresh = full.upsert(*typedao::parse_uuid(row_id), replacement);
  REQUIRE_OK(fresh);
  CHECK(count("full_types") == 2);
}

}  // namespace typedao_it_types_full
