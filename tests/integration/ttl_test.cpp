// TTL entities (typedao::with_ttl, Kong's ttl = true) against a real PostgreSQL: ttl() read-back,
// ttl = 0 (no expiry), update with and without a ttl, upsert clearing it (Kong), expired rows
// invisible to every read/update/delete except skip_ttl on select/select_by/remove, purge_expired
// in bounded batches, and the INVALID_OPTIONS messages. Rows are expired through SQL
// (UPDATE ... SET ttl = now() - interval '1 second') rather than by sleeping.

#include "pg_fixture.hpp"

#include <typedao/metrics.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace typedao_it_ttl {

namespace {

struct Cred {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::string key;
  std::optional<std::string> note;
};
BOOST_DESCRIBE_STRUCT(Cred, (), (id, created_at, updated_at, key, note))
TYPEDAO_ENTITY(Cred, "creds", typedao::with_ttl, typedao::unique(&Cred::key))

// Not TTL-enabled.
struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// A TTL child of a TTL parent (page_for / count_for hide expired children too).
struct Token {
  std::int64_t id = 0;
  typedao::foreign<Cred> cred;
};
BOOST_DESCRIBE_STRUCT(Token, (), (id, cred))
TYPEDAO_ENTITY(Token, "tokens", typedao::with_ttl)

using typedao::set;
using typedao::write_options;
using typedao_test::pg_fixture;
using db_t = typedao::database<Cred, Service, Token>;

const std::string bad_ttl = "invalid option (ttl: must be an integer between 0 and 100000000)";

struct ttl_fixture : pg_fixture {
  db_t db{conn};
  typedao_test::dao_t<db_t, Cred> creds = db.dao<Cred>();
  typedao_test::dao_t<db_t, Service> services = db.dao<Service>();
  typedao_test::dao_t<db_t, Token> tokens = db.dao<Token>();
  ttl_fixture() { REQUIRE_OK(db.migrate()); }

  Cred add(std::string key, std::optional<std::int64_t> ttl = std::nullopt) {
    auto r = creds.insert({.key = std::move(key)}, {.ttl = ttl});
    REQUIRE_OK(r);
    return *r;
  }
  // Expires a row now, without waiting.
  void expire(const typedao::uuid& id, const std::string& table = "creds") {
    exec("UPDATE " + table + " SET ttl = now() - interval '1 second' WHERE id = '" +
         typedao::to_string(id) + "'");
  }
  // The stored ttl column as seconds from now (nullopt: NULL).
  std::optional<double> stored_ttl(const typedao::uuid& id) {
    auto v =
        scalar("SELECT EXTRACT(EPOCH FROM (ttl - now()))::float8 FROM creds WHERE id = $1::uuid",
               {typedao::to_string(id)});
    if (!v) return std::nullopt;
    return std::stod(*v);
  }
  std::optional<std::int64_t> ttl_of(const typedao::uuid& id) {
    auto r = creds.ttl(id);
    REQUIRE_OK(r);
    return *r;
  }
};

// ttl() is FLOOR(expiry - now): a row inserted with ttl N reads back in (N-2, N].
void check_near(std::optional<std::int64_t> got, std::int64_t n) {
  INFO("ttl " << (got ? std::to_string(*got) : "none") << ", expected about " << n);
  REQUIRE(got.has_value());
  CHECK(*got > n - 2);
  CHECK(*got <= n);
}

}  // namespace

TEST_CASE_METHOD(ttl_fixture, "ttl: the hidden ttl column and its index exist", "[pg][ttl]") {
  CHECK(
      value(
          "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
          "AND table_name = 'creds' AND column_name = 'ttl'") == "timestamp with time zone");
  CHECK(value("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = "
              "'creds_ttl_idx'") == "1");
  CHECK(
      value("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'services' AND column_name = 'ttl'") == "0");
}

TEST_CASE_METHOD(ttl_fixture, "ttl: insert with ttl N reads back as N or N-1 (whole seconds left)",
                 "[pg][ttl]") {
  auto c = add("a", 100);
  check_near(ttl_of(c.id), 100);
  auto s = stored_ttl(c.id);
  REQUIRE(s);
  CHECK(*s > 98.0);
  CHECK(*s <= 100.0);
  // The expiry is computed by the server from now().
  CHECK(value("SELECT (abs(EXTRACT(EPOCH FROM (ttl - created_at)) - 100) < 1)::text FROM creds") ==
        "true");

  auto big = add("b", 100000000);  // the maximum is accepted
  check_near(ttl_of(big.id), 100000000);
  auto one = add("c", 1);
  check_near(ttl_of(one.id), 1);
}

TEST_CASE_METHOD(ttl_fixture, "ttl: 0 or no ttl means no expiry (empty optional, NULL column)",
                 "[pg][ttl]") {
  auto zero = add("zero", 0);
  auto none = add("none");
  CHECK(ttl_of(zero.id) == std::nullopt);
  CHECK(ttl_of(none.id) == std::nullopt);
  CHECK(stored_ttl(zero.id) == std::nullopt);
  CHECK(stored_ttl(none.id) == std::nullopt);
  // ttl() of a missing row is NOT_FOUND.
  auto missing = creds.ttl(typedao::generate_uuid());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == typedao::error_code::not_found);
}

TEST_CASE_METHOD(ttl_fixture, "ttl: update with a ttl changes it, update without leaves it",
                 "[pg][ttl][update]") {
  auto c = add("a", 100);
  auto u = creds.update(c.id, set<&Cred::note>("x"), write_options{.ttl = 500});
  REQUIRE_OK(u);
  check_near(ttl_of(c.id), 500);

  auto keep = creds.update(c.id, set<&Cred::note>("y"));
  REQUIRE_OK(keep);
  check_near(ttl_of(c.id), 500);

  // write_options may come first, and update_by takes it too.
  auto by = creds.update_by<&Cred::key>("a", write_options{.ttl = 50}, set<&Cred::note>("z"));
  REQUIRE_OK(by);
  check_near(ttl_of(c.id), 50);

  // ttl = 0 on update removes the expiry.
  REQUIRE_OK(creds.update(c.id, set<&Cred::note>("w"), write_options{.ttl = 0}));
  CHECK(ttl_of(c.id) == std::nullopt);
  CHECK(stored_ttl(c.id) == std::nullopt);
  // And a ttl can be given to a row that had none.
  auto n = add("n");
  REQUIRE_OK(creds.update(n.id, set<&Cred::note>("v"), write_options{.ttl = 30}));
  check_near(ttl_of(n.id), 30);
}

TEST_CASE_METHOD(ttl_fixture, "ttl: upsert without a ttl clears it (Kong), with one sets it",
                 "[pg][ttl][upsert]") {
  auto c = add("a", 100);
  auto u = creds.upsert(c.id, {.key = "a", .note = "replaced"});
  REQUIRE_OK(u);
  CHECK(ttl_of(c.id) == std::nullopt);
  CHECK(stored_ttl(c.id) == std::nullopt);

  REQUIRE_OK(creds.upsert(c.id, {.key = "a"}, {.ttl = 200}));
  check_near(ttl_of(c.id), 200);

  // upsert_by: same rules, on insert and on replace.
  REQUIRE_OK(creds.upsert_by<&Cred::key>("a", {.note = "again"}));
  CHECK(ttl_of(c.id) == std::nullopt);
  auto fresh = creds.upsert_by<&Cred::key>("new", {}, {.ttl = 40});
  REQUIRE_OK(fresh);
  check_near(ttl_of(fresh->id), 40);
  // upsert inserting a new row with a ttl.
  auto id = typedao::generate_uuid();
  REQUIRE_OK(creds.upsert(id, {.key = "upserted"}, {.ttl = 60}));
  check_near(ttl_of(id), 60);
}

TEST_CASE_METHOD(
    ttl_fixture,
    "ttl: expired rows are invisible to select/select_by/page/each/count/update/remove",
    "[pg][ttl][expired]") {
  auto live = add("live", 1000);
  auto forever = add("forever");
  auto dead = add("dead", 1000);
  expire(dead.id);
  CHECK(count("creds") == 3);  // still stored

  auto s = creds.select(dead.id);
  REQUIRE_OK(s);
  CHECK_FALSE(s->has_value());
  auto sb = creds.select_by<&Cred::key>("dead");
  REQUIRE_OK(sb);
  CHECK_FALSE(sb->has_value());
  auto tl = creds.ttl(dead.id);
  REQUIRE_FALSE(tl);
  CHECK(tl.error().code == typedao::error_code::not_found);

  auto p = creds.page(10);
  REQUIRE_OK(p);
  REQUIRE(p->rows.size() == 2);
  for (auto& r : p->rows) CHECK(r.key != "dead");
  // A page of size 1 walks 2 rows in 2 pages: no hole where the expired row is.
  std::size_t walked = 0;
  std::size_t pages = 0;
  auto range = creds.each(1);
  for (auto&& r : range) {
    REQUIRE_OK(r);
    CHECK(r->key != "dead");
    ++walked;
  }
  pages = range.page_number();
  CHECK(walked == 2);
  CHECK(pages == 2);
  auto n = creds.count();
  REQUIRE_OK(n);
  CHECK(*n == 2);

  auto u = creds.update(dead.id, set<&Cred::note>("x"));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::not_found);
  CHECK(u.error().message == "could not find the entity with primary key '{id=\"" +
                                 typedao::to_string(dead.id) + "\"}'");
  auto ub = creds.update_by<&Cred::key>("dead", set<&Cred::note>("x"));
  REQUIRE_FALSE(ub);
  CHECK(ub.error().code == typedao::error_code::not_found);
  CHECK(ub.error().message == "could not find the entity with '{key=\"dead\"}'");
  CHECK(value("SELECT (note IS NULL)::text FROM creds WHERE key = 'dead'") == "true");

  // remove (and remove_by) without skip_ttl do not touch it.
  REQUIRE_OK(creds.remove(dead.id));
  REQUIRE_OK(creds.remove_by<&Cred::key>("dead"));
  CHECK(count("creds") == 3);

  // The live rows are unaffected.
  auto l = creds.select(live.id);
  REQUIRE_OK(l);
  CHECK(l->has_value());
  auto f = creds.select(forever.id);
  REQUIRE_OK(f);
  CHECK(f->has_value());
}

TEST_CASE_METHOD(ttl_fixture,
                 "ttl: a row really expires when its time has passed (ttl = 1, 1.2 s later)",
                 "[pg][ttl][expired]") {
  auto c = add("short", 1);
  auto before = creds.select(c.id);
  REQUIRE_OK(before);
  CHECK(before->has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto after = creds.select(c.id);
  REQUIRE_OK(after);
  CHECK_FALSE(after->has_value());
  auto skip = creds.select(c.id, {.skip_ttl = true});
  REQUIRE_OK(skip);
  CHECK(skip->has_value());
  auto purged = creds.purge_expired();
  REQUIRE_OK(purged);
  CHECK(*purged == 1);
}

TEST_CASE_METHOD(ttl_fixture, "ttl: expired children are invisible to page_for/each_for/count_for",
                 "[pg][ttl][expired]") {
  auto c = add("parent");
  for (std::int64_t i = 1; i <= 4; ++i)
    REQUIRE_OK(tokens.insert({.id = i, .cred = c}, {.ttl = 1000}));
  exec("UPDATE tokens SET ttl = now() - interval '1 second' WHERE id IN (2, 3)");
  auto p = tokens.page_for<&Token::cred>(c, 1);
  REQUIRE_OK(p);
  REQUIRE(p->rows.size() == 1);
  CHECK(p->rows[0].id == 1);
  REQUIRE(p->offset);
  auto p2 = tokens.page_for<&Token::cred>(c, 1, *p->offset);
  REQUIRE_OK(p2);
  REQUIRE(p2->rows.size() == 1);
  CHECK(p2->rows[0].id == 4);
  CHECK_FALSE(p2->offset);
  std::vector<std::int64_t> ids;
  for (auto&& r : tokens.each_for<&Token::cred>(c, 10)) {
    REQUIRE_OK(r);
    ids.push_back(r->id);
  }
  CHECK(ids == std::vector<std::int64_t>{1, 4});
  auto n = tokens.count_for<&Token::cred>(c);
  REQUIRE_OK(n);
  CHECK(*n == 2);
  auto all = tokens.count();
  REQUIRE_OK(all);
  CHECK(*all == 2);
}

TEST_CASE_METHOD(ttl_fixture,
                 "ttl: skip_ttl reaches expired rows with select, select_by and remove",
                 "[pg][ttl][expired][skip_ttl]") {
  auto dead = add("dead", 1000);
  auto dead2 = add("dead2", 1000);
  expire(dead.id);
  expire(dead2.id);
  typedao::read_options skip{.skip_ttl = true};

  auto s = creds.select(dead.id, skip);
  REQUIRE_OK(s);
  REQUIRE(s->has_value());
  CHECK((*s)->key == "dead");
  auto se = creds.select(dead, skip);
  REQUIRE_OK(se);
  CHECK(se->has_value());
  auto sb = creds.select_by<&Cred::key>("dead", skip);
  REQUIRE_OK(sb);
  REQUIRE(sb->has_value());
  CHECK((*sb)->id == dead.id);

  REQUIRE_OK(creds.remove(dead.id, skip));
  CHECK(count("creds") == 1);
  REQUIRE_OK(creds.remove_by<&Cred::key>("dead2", skip));
  CHECK(count("creds") == 0);

  // skip_ttl on a live row changes nothing.
  auto live = add("live", 1000);
  auto l = creds.select(live.id, skip);
  REQUIRE_OK(l);
  CHECK(l->has_value());
}

TEST_CASE_METHOD(ttl_fixture,
                 "ttl: purge_expired deletes exactly the expired rows, in bounded batches",
                 "[pg][ttl][purge]") {
  std::vector<Cred> dead;
  for (int i = 0; i < 5; ++i) dead.push_back(add("dead" + std::to_string(i), 1000));
  auto live = add("live", 1000);
  auto forever = add("forever");
  auto zero = add("zero", 0);
  for (auto& d : dead) expire(d.id);

  auto n = creds.purge_expired(2);  // 2 + 2 + 1
  REQUIRE_OK(n);
  CHECK(*n == 5);
  CHECK(count("creds") == 3);
  CHECK(value("SELECT string_agg(key, ',' ORDER BY key) FROM creds") == "forever,live,zero");

  // Nothing left to purge.
  auto again = creds.purge_expired();
  REQUIRE_OK(again);
  CHECK(*again == 0);

  // An exact multiple of the batch: 4 rows by 2.
  for (int i = 0; i < 4; ++i) expire(add("x" + std::to_string(i), 1000).id);
  auto four = creds.purge_expired(2);
  REQUIRE_OK(four);
  CHECK(*four == 4);
  // Default batch, batch 1.
  for (int i = 0; i < 3; ++i) expire(add("y" + std::to_string(i), 1000).id);
  auto one = creds.purge_expired(1);
  REQUIRE_OK(one);
  CHECK(*one == 3);
  expire(add("z", 1000).id);
  auto def = creds.purge_expired();
  REQUIRE_OK(def);
  CHECK(*def == 1);
  CHECK(count("creds") == 3);

  // A bad batch size.
  auto bad = creds.purge_expired(0);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == typedao::error_code::invalid_size);
  CHECK(bad.error().message == "batch must be an integer greater than 0");
  (void)live;
  (void)forever;
  (void)zero;
}

TEST_CASE_METHOD(ttl_fixture,
                 "ttl: purge_expired without row locks (dialect::citus) deletes the same rows",
                 "[pg][ttl][purge][dialect]") {
  auto citus = creds.with_dialect(typedao::dialect::citus);
  for (int i = 0; i < 5; ++i) expire(add("dead" + std::to_string(i), 1000).id);
  add("live", 1000);
  auto n = citus.purge_expired(2);
  REQUIRE_OK(n);
  CHECK(*n == 5);
  CHECK(value("SELECT string_agg(key, ',') FROM creds") == "live");
  // The statement sent was the one without FOR UPDATE SKIP LOCKED (3 batches).
  unsigned long long unlocked_calls = 0;
  for (const auto& st : typedao::statement_metrics())
    if (st.text.find("DELETE FROM \"creds\"") == 0 &&
        st.text.find("ORDER BY \"ttl\" LIMIT $1)") != std::string_view::npos)
      unlocked_calls += st.calls;
  CHECK(unlocked_calls >= 3);
}

TEST_CASE_METHOD(ttl_fixture,
                 "ttl: purge_expired batches are bounded (one statement deletes at most the batch)",
                 "[pg][ttl][purge]") {
  for (int i = 0; i < 7; ++i) expire(add("d" + std::to_string(i), 1000).id);
  // Watch the statement from the server: pg_stat_user_tables counts deleted tuples; with batch 3
  // the purge takes three statements (3 + 3 + 1), so at no point did one delete more than 3.
  // Observe it through a trigger recording each statement's row count.
  exec("CREATE TABLE purge_log (n int)");
  exec(
      "CREATE FUNCTION log_purge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "INSERT INTO purge_log SELECT count(*) FROM old_rows; RETURN NULL; END $$");
  exec(
      "CREATE TRIGGER creds_purge AFTER DELETE ON creds REFERENCING OLD TABLE AS old_rows "
      "FOR EACH STATEMENT EXECUTE FUNCTION log_purge()");
  auto n = creds.purge_expired(3);
  REQUIRE_OK(n);
  CHECK(*n == 7);
  CHECK(value("SELECT string_agg(n::text, ',' ORDER BY n DESC) FROM purge_log") == "3,3,1");
}

TEST_CASE_METHOD(ttl_fixture, "ttl: INVALID_OPTIONS for a ttl out of range, nothing written",
                 "[pg][ttl][options]") {
  for (std::int64_t bad :
       {std::int64_t{-1}, std::int64_t{100000001}, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max()}) {
    INFO("ttl " << bad);
    auto i = creds.insert({.key = "k"}, {.ttl = bad});
    REQUIRE_FALSE(i);
    CHECK(i.error().code == typedao::error_code::invalid_options);
    CHECK(static_cast<int>(i.error().code) == 11);
    CHECK(i.error().message == bad_ttl);
    CHECK(i.error().fields == std::vector<typedao::field_detail>{
                                  {"ttl", "must be an integer between 0 and 100000000"}});
    CHECK(count("creds") == 0);
  }
  auto c = add("k", 100);
  auto u = creds.update(c.id, set<&Cred::note>("x"), write_options{.ttl = -1});
  REQUIRE_FALSE(u);
  CHECK(u.error().message == bad_ttl);
  auto up = creds.upsert(c.id, {.key = "k"}, {.ttl = 100000001});
  REQUIRE_FALSE(up);
  CHECK(up.error().message == bad_ttl);
  auto ub = creds.upsert_by<&Cred::key>("k", {}, {.ttl = -5});
  REQUIRE_FALSE(ub);
  CHECK(ub.error().message == bad_ttl);
  CHECK(value("SELECT (note IS NULL)::text FROM creds") == "true");
  check_near(ttl_of(c.id), 100);

  auto max = creds.insert({.key = "max"}, {.ttl = 100000000});
  REQUIRE_OK(max);
}

TEST_CASE_METHOD(ttl_fixture, "ttl: INVALID_OPTIONS for a ttl on an entity without TTL",
                 "[pg][ttl][options]") {
  const std::string msg = "invalid option (ttl: cannot be used with 'services')";
  auto i = services.insert({.name = "s"}, {.ttl = 10});
  REQUIRE_FALSE(i);
  CHECK(i.error().code == typedao::error_code::invalid_options);
  CHECK(i.error().message == msg);
  CHECK(i.error().fields ==
        std::vector<typedao::field_detail>{{"ttl", "cannot be used with 'services'"}});
  CHECK(count("services") == 0);
  // Even ttl = 0, and on every write.
  auto z = services.insert({.name = "s"}, {.ttl = 0});
  REQUIRE_FALSE(z);
  CHECK(z.error().message == msg);
  auto s = services.insert({.name = "s"});
  REQUIRE_OK(s);
  auto u = services.update(s->id, set<&Service::name>("t"), write_options{.ttl = 1});
  REQUIRE_FALSE(u);
  CHECK(u.error().message == msg);
  auto up = services.upsert(s->id, {.name = "t"}, {.ttl = 1});
  REQUIRE_FALSE(up);
  CHECK(up.error().message == msg);
  auto ub = services.upsert_by<&Service::name>("s", {}, {.ttl = 1});
  REQUIRE_FALSE(ub);
  CHECK(ub.error().message == msg);
  CHECK(value("SELECT name FROM services") == "s");
  // An out-of-range ttl on a non-TTL entity: the entity problem is reported.
  auto both = services.insert({.name = "x"}, {.ttl = -1});
  REQUIRE_FALSE(both);
  CHECK(both.error().message == msg);
}

}  // namespace typedao_it_ttl
