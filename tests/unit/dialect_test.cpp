// The dialect setting (dialect.hpp): what migrate and purge_expired send for each engine, on a
// recorded connection (the statements themselves run against PostgreSQL in
// integration/ttl_test.cpp and migrate_test.cpp).

#include "recorded_connection.hpp"

#include <typedao/core.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

namespace typedao_ut_dialect {
namespace {

struct Token {
  typedao::uuid id;
  std::string value;
};
BOOST_DESCRIBE_STRUCT(Token, (), (id, value))
TYPEDAO_ENTITY(Token, "dialect_tokens", typedao::with_ttl)

using typedao_test::recorded_connection;
using typedao_test::recorded_rows;

TEST_CASE("dialect: migrate serialises with an advisory lock except on CockroachDB",
          "[unit][dialect]") {
  for (auto d :
       {typedao::dialect::postgresql, typedao::dialect::citus, typedao::dialect::cockroachdb}) {
    recorded_connection c;
    typedao::basic_database<recorded_connection, Token> db(c);
    db.set_dialect(d);
    REQUIRE(db.migrate().has_value());
    REQUIRE(c.scripts.size() == 3);
    const bool locked = c.scripts[0].find("pg_advisory_xact_lock") != std::string::npos;
    INFO(typedao::dialect_name(d));
    CHECK(locked == (d != typedao::dialect::cockroachdb));
    CHECK(c.scripts[0].rfind("BEGIN", 0) == 0);
    CHECK(c.scripts[2] == "COMMIT");
  }
}

TEST_CASE("dialect: purge_expired locks with SKIP LOCKED except on Citus", "[unit][dialect]") {
  for (auto d :
       {typedao::dialect::postgresql, typedao::dialect::cockroachdb, typedao::dialect::citus}) {
    recorded_connection c;
    typedao::basic_database<recorded_connection, Token> db(c);
    db.set_dialect(d);
    recorded_rows none;
    none.affected = 0;
    c.reply(none);
    auto n = db.dao<Token>().purge_expired(100);
    REQUIRE(n.has_value());
    CHECK(*n == 0);
    REQUIRE(c.sent.size() == 1);
    INFO(c.sent[0].text);
    const bool skip = c.sent[0].text.find("FOR UPDATE SKIP LOCKED") != std::string::npos;
    CHECK(skip == (d != typedao::dialect::citus));
    CHECK(c.sent[0].text.find("LIMIT $1") != std::string::npos);
  }
  CHECK(typedao::events_options_for(typedao::dialect::cockroachdb).transport ==
        typedao::event_transport::table);
  CHECK(typedao::events_options_for(typedao::dialect::postgresql).transport ==
        typedao::event_transport::notify);
}

}  // namespace
}  // namespace typedao_ut_dialect
