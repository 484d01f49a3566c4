// Change events' payloads (encode/decode, hostile input), which statements a replica may serve,
// and WAL positions as the replicated pool reads them.

#include <typedao/events.hpp>
#include <typedao/pg/replicas.hpp>
#include <typedao/sql/statement.hpp>

#include <catch2/catch.hpp>
#include <string>

namespace typedao_ut_events {
namespace {

TEST_CASE("events: a payload decodes to the event it was encoded from, escapes included",
          "[unit][events]") {
  typedao::change_event e;
  e.entity = "services";
  e.op = typedao::change::deleted;
  e.key = "a\\b\nc";
  e.cache_key = "services:a\\b%3Ac:::::";
  e.cascaded_from = "parents";
  const std::string p = typedao::encode_event(e);
  auto d = typedao::decode_event(p);
  REQUIRE(d.has_value());
  CHECK(d->entity == e.entity);
  CHECK(d->op == e.op);
  CHECK(d->key == e.key);
  CHECK(d->cache_key == e.cache_key);
  CHECK(d->cascaded_from == e.cascaded_from);
  CHECK_FALSE(d->gap);
  for (auto op : {typedao::change::created, typedao::change::updated}) {
    e.op = op;
    CHECK(typedao::decode_event(typedao::encode_event(e))->op == op);
  }
}

TEST_CASE("events: payloads that are not events are refused", "[unit][events]") {
  CHECK_FALSE(typedao::decode_event(""));
  CHECK_FALSE(typedao::decode_event("create\nservices\nk\nc\n"));            // 4 fields
  CHECK_FALSE(typedao::decode_event("create\nservices\nk\nc\n\nextra\n"));   // 6 fields
  CHECK_FALSE(typedao::decode_event("create\nservices\nk\nc\n\ntrailing"));  // no final newline
  CHECK_FALSE(typedao::decode_event("upsert\nservices\nk\nc\n\n"));          // unknown op
  CHECK_FALSE(typedao::decode_event("create\n\nk\nc\n\n"));                  // no entity
  CHECK_FALSE(typedao::decode_event("create\nserv\\xices\nk\nc\n\n"));       // bad escape
  CHECK_FALSE(typedao::decode_event("create\nservices\nk\\"));               // cut escape
  CHECK(typedao::decode_event("create\nservices\nk\nc\n\n").has_value());
}

TEST_CASE("replicas: only plain SELECTs may go to a replica", "[unit][replica]") {
  using typedao::detail::read_only_text;
  CHECK(read_only_text("SELECT \"id\" FROM \"services\" WHERE \"id\" = $1"));
  CHECK(read_only_text("SELECT count(*) FROM \"services\""));
  CHECK_FALSE(read_only_text("SELECT \"id\" FROM \"services\" WHERE \"id\" = $1 FOR UPDATE"));
  CHECK_FALSE(read_only_text("SELECT \"id\" FROM \"s\" FOR SHARE"));
  CHECK_FALSE(read_only_text("SELECT pg_notify($1, $2)"));
  CHECK_FALSE(read_only_text("INSERT INTO \"services\" DEFAULT VALUES RETURNING *"));
  CHECK_FALSE(read_only_text("WITH d AS (DELETE FROM \"s\" RETURNING 1) SELECT 1"));
  CHECK_FALSE(read_only_text("DELETE FROM \"s\""));
}

TEST_CASE("replicas: WAL positions parse as pg_lsn prints them", "[unit][replica]") {
  using typedao::pg::parse_lsn;
  CHECK(parse_lsn("0/0") == 0);
  CHECK(parse_lsn("0/16B3748") == 0x16B3748ULL);
  CHECK(parse_lsn("16/B374D848") == ((0x16ULL << 32) | 0xB374D848ULL));
  CHECK(parse_lsn("FFFFFFFF/FFFFFFFF") == 0xFFFFFFFFFFFFFFFFULL);
  CHECK(parse_lsn("a/b") == ((0xAULL << 32) | 0xBULL));
  CHECK(parse_lsn("") == 0);
  CHECK(parse_lsn("/1") == 0);
  CHECK(parse_lsn("1/") == 0);
  CHECK(parse_lsn("1/x") == 0);
  CHECK(parse_lsn("100000000/0") == 0);  // more than 8 hex digits
}

}  // namespace
}  // namespace typedao_ut_events
