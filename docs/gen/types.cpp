// Every built-in column type, the JSON mapping and a user-defined codec: DDL, a round trip
// through PostgreSQL, and the checks made before sending. docs/types.md quotes the output.
// Needs a server and Boost.JSON (-lboost_json).
#include "ipv4.hpp"
#include "report.hpp"

#include <typedao/json.hpp>
#include <typedao/typedao.hpp>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace demo {

enum class protocol { http, https, grpc };
BOOST_DESCRIBE_ENUM(protocol, http, https, grpc)

// A record: a described struct that is not an entity, stored as jsonb.
struct limits {
  std::int32_t burst = 10;
  double rate = 1.5;
  std::optional<std::string> policy;
};
BOOST_DESCRIBE_STRUCT(limits, (), (burst, rate, policy))

struct Everything {
  typedao::uuid id;
  bool b;
  std::int16_t i16;
  std::int32_t i32;
  std::int64_t i64;
  float f32;
  double f64;
  std::string text;
  typedao::bytes blob;
  typedao::uuid ref;
  typedao::timestamp at;
  typedao::date day;
  typedao::numeric price;
  protocol proto = protocol::http;
  std::vector<std::string> names;
  std::vector<std::int64_t> counts;
  std::set<protocol> protocols;
  std::optional<std::int32_t> maybe;
  limits lim;
  std::map<std::string, std::int32_t> weights;
  boost::json::value extra;
  ipv4 addr;
};
BOOST_DESCRIBE_STRUCT(Everything, (),
                      (id, b, i16, i32, i64, f32, f64, text, blob, ref, at, day, price, proto,
                       names, counts, protocols, maybe, lim, weights, extra, addr))
TYPEDAO_ENTITY(Everything, "everything")

}  // namespace demo

using namespace demo;
using docgen::block;

int main() {
  block("types.ddl", typedao::sql::create_table<Everything>());

  auto conn = typedao::pg::connect();
  if (!conn) return 1;
  typedao::database<Everything> db{*conn};
  if (auto m = db.migrate(); !m) {
    block("fatal", m.error().to_string());
    return 1;
  }
  auto all = db.dao<Everything>();
  Everything e{
      .b = true,
      .i16 = -2,
      .i32 = 42,
      .i64 = 1LL << 40,
      .f32 = 0.5f,
      .f64 = 3.25,
      .text = "héllo",
      .blob = {std::byte{0x01}, std::byte{0xff}},
      .ref = *typedao::parse_uuid("5d0c2e44-7d1a-4b7e-9a55-0e6f1d3c2b99"),
      .at = typedao::timestamp{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} +
                               std::chrono::hours{12}},
      .day = std::chrono::year{2024} / 5 / 1,
      .price = typedao::numeric("12.50"),
      .proto = protocol::https,
      .names = {"a", "b"},
      .counts = {1, 2, 3},
      .protocols = {protocol::https, protocol::http},
      .lim = {.burst = 20, .policy = "local"},
      .weights = {{"a", 1}, {"b", 2}},
      .extra = boost::json::parse(R"({"k":[1,true,null]})"),
      .addr = {{10, 0, 0, 7}},
  };
  auto r = all.insert(e);
  if (!r) {
    block("fatal", docgen::describe(r.error()));
    return 1;
  }
  // What the server stored, as PostgreSQL prints it.
  {
    auto text = typedao::pg::connect();
    PGresult* res = PQexec(
        text->native_handle(),
        "SELECT b, i16, i32, i64, f32, f64, text, blob, at, day, price, proto, names, counts, "
        "protocols, maybe, lim, weights, extra, addr FROM everything");
    std::string out;
    for (int c = 0; c < PQnfields(res); ++c) {
      out += PQfname(res, c);
      out += std::string(10 - std::string(PQfname(res, c)).size(), ' ');
      out += PQgetisnull(res, 0, c) ? "NULL" : PQgetvalue(res, 0, c);
      out += "\n";
    }
    PQclear(res);
    block("types.stored", out);
  }
  bool same = r->b == e.b && r->i16 == e.i16 && r->i64 == e.i64 && r->f64 == e.f64 &&
              r->text == e.text && r->blob == e.blob && r->at == e.at && r->day == e.day &&
              r->price == e.price && r->proto == e.proto && r->names == e.names &&
              r->protocols == e.protocols && r->lim.burst == 20 && r->weights == e.weights &&
              r->extra == e.extra && r->addr == e.addr;
  block("types.roundtrip",
        std::string("every member read back equal: ") + (same ? "yes" : "no") + "\n");

  // Checks made before sending.
  Everything bad = e;
  bad.proto = static_cast<protocol>(7);
  bad.lim.rate = std::numeric_limits<double>::infinity();
  bad.lim.policy = "bad\xff";
  bad.addr = {};
  ERR("types.checks", all.insert(bad));
  return 0;
}
