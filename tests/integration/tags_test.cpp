// Tags (a member `std::vector<std::string> tags`, Kong's tags) against a real PostgreSQL: page()
// filtered by all-of (@>) and any-of (&&), paging through a filter, at most 5 tags, Kong's rule
// for a valid tag, tags on an entity without tags, and the GIN index (present, and used by the
// planner for the DAO's own `tags @> $1` statement).

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace typedao_it_tags {

namespace {

struct Service {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name, tags))
TYPEDAO_ENTITY(Service, "services")

struct Route {
  std::int64_t id = 0;
  typedao::foreign<Service> service;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, tags))
TYPEDAO_ENTITY(Route, "routes")

// No tags member (a vector named otherwise is just a column).
struct Plain {
  std::int64_t id = 0;
  std::vector<std::string> labels;
};
BOOST_DESCRIBE_STRUCT(Plain, (), (id, labels))
TYPEDAO_ENTITY(Plain, "plains")

using typedao::tags_match;
using typedao_test::dao_t;
using typedao_test::pg_fixture;
using db_t = typedao::database<Service, Route, Plain>;

const std::string bad_tag =
    "invalid option (tags: must only contain printable ascii (except `,` and `/`) or valid utf-8)";

struct tags_fixture : pg_fixture {
  db_t db{conn};
  dao_t<db_t, Service> services = db.dao<Service>();
  dao_t<db_t, Route> routes = db.dao<Route>();
  dao_t<db_t, Plain> plains = db.dao<Plain>();
  tags_fixture() {
    REQUIRE_OK(db.migrate());
    add(1, {"a"});
    add(2, {"a", "b"});
    add(3, {"b", "c"});
    add(4, {});
    add(5, {"a", "b", "c"});
    add(6, {"c"});
    add(7, {"é", "日本"});
  }
  void add(std::int64_t id, std::vector<std::string> tags) {
    REQUIRE_OK(
        services.insert({.id = id, .name = "s" + std::to_string(id), .tags = std::move(tags)}));
  }
  std::vector<std::int64_t> ids(const typedao::page_options& o, std::int64_t size = 100) {
    std::vector<std::int64_t> out;
    std::string off;
    for (;;) {
      auto p = services.page(size, off, o);
      REQUIRE_OK(p);
      for (auto& r : p->rows) out.push_back(r.id);
      if (!p->offset) return out;
      off = *p->offset;
    }
  }
};

using ids_t = std::vector<std::int64_t>;

}  // namespace

TEST_CASE_METHOD(tags_fixture, "tags: all-of (@>) keeps rows having every tag", "[pg][tags]") {
  CHECK(ids({.tags = {"a"}}) == ids_t{1, 2, 5});
  CHECK(ids({.tags = {"a", "b"}, .match = tags_match::all}) == ids_t{2, 5});
  CHECK(ids({.tags = {"b", "a"}, .match = tags_match::all}) == ids_t{2, 5});
  CHECK(ids({.tags = {"a", "b", "c"}, .match = tags_match::all}) == ids_t{5});
  CHECK(ids({.tags = {"a", "b", "c"}, .match = tags_match::all}) == ids_t{5});
  CHECK(ids({.tags = {"zzz"}}) == ids_t{});
  CHECK(ids({.tags = {"a", "zzz"}, .match = tags_match::all}) == ids_t{});
  CHECK(ids({.tags = {"é"}}) == ids_t{7});
  CHECK(ids({.tags = {"日本", "é"}, .match = tags_match::all}) == ids_t{7});
  // Tags are case-sensitive, exact strings.
  CHECK(ids({.tags = {"A"}}) == ids_t{});
  // No filter: everything.
  CHECK(ids({}) == ids_t{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE_METHOD(tags_fixture, "tags: any-of (&&) keeps rows having at least one tag",
                 "[pg][tags]") {
  CHECK(ids({.tags = {"a"}, .match = tags_match::any}) == ids_t{1, 2, 5});
  CHECK(ids({.tags = {"a", "c"}, .match = tags_match::any}) == ids_t{1, 2, 3, 5, 6});
  CHECK(ids({.tags = {"b", "zzz"}, .match = tags_match::any}) == ids_t{2, 3, 5});
  CHECK(ids({.tags = {"zzz", "yyy"}, .match = tags_match::any}) == ids_t{});
  CHECK(ids({.tags = {"a", "b", "c", "é", "x"}, .match = tags_match::any}) ==
        ids_t{1, 2, 3, 5, 6, 7});
}

TEST_CASE_METHOD(tags_fixture, "tags: paging through a filter, one row per page",
                 "[pg][tags][page]") {
  CHECK(ids({.tags = {"a"}}, 1) == ids_t{1, 2, 5});
  CHECK(ids({.tags = {"a", "c"}, .match = tags_match::any}, 2) == ids_t{1, 2, 3, 5, 6});
  // Exact multiple: 2 rows by 1 and by 2, no empty extra page.
  auto p = services.page(2, {}, {.tags = {"a", "b"}, .match = tags_match::all});
  REQUIRE_OK(p);
  CHECK(p->rows.size() == 2);
  CHECK_FALSE(p->offset);
  // each() with a filter.
  ids_t seen;
  for (auto&& r : services.each(1, {.tags = {"c"}})) {
    REQUIRE_OK(r);
    seen.push_back(r->id);
  }
  CHECK(seen == ids_t{3, 5, 6});
}

TEST_CASE_METHOD(tags_fixture, "tags: page_for combines the parent and a tag filter",
                 "[pg][tags][page_for]") {
  for (std::int64_t i = 1; i <= 6; ++i)
    REQUIRE_OK(routes.insert(
        {.id = i,
         .service = i <= 4 ? 1 : 2,
         .tags = i % 2 ? std::vector<std::string>{"odd"} : std::vector<std::string>{"even"}}));
  auto p = routes.page_for<&Route::service>(std::int64_t{1}, 100, {}, {.tags = {"odd"}});
  REQUIRE_OK(p);
  ids_t got;
  for (auto& r : p->rows) got.push_back(r.id);
  CHECK(got == ids_t{1, 3});
  auto q = routes.page_for<&Route::service>(std::int64_t{2}, 1, {},
                                            {.tags = {"even", "odd"}, .match = tags_match::any});
  REQUIRE_OK(q);
  REQUIRE(q->rows.size() == 1);
  CHECK(q->rows[0].id == 5);
  REQUIRE(q->offset);
  auto q2 = routes.page_for<&Route::service>(std::int64_t{2}, 1, *q->offset,
                                             {.tags = {"even", "odd"}, .match = tags_match::any});
  REQUIRE_OK(q2);
  REQUIRE(q2->rows.size() == 1);
  CHECK(q2->rows[0].id == 6);
}

TEST_CASE_METHOD(tags_fixture, "tags: several tags without all/any are INVALID_OPTIONS (tags_cond)",
                 "[pg][tags][options]") {
  auto p = services.page(10, {}, {.tags = {"a", "b"}});
  REQUIRE_FALSE(p);
  CHECK(p.error().code == typedao::error_code::invalid_options);
  CHECK(p.error().message ==
        "invalid option (tags_cond: must be a either 'and' or 'or' when more than one tag is "
        "specified)");
  CHECK(p.error().fields ==
        std::vector<typedao::field_detail>{
            {"tags_cond", "must be a either 'and' or 'or' when more than one tag is specified"}});
  auto each = services.each(10, {.tags = {"a", "b"}});
  auto it = each.begin();
  REQUIRE(it != each.end());
  REQUIRE_FALSE(*it);
  CHECK(it->error().code == typedao::error_code::invalid_options);
  CHECK(ids({.tags = {"a"}}) == ids_t{1, 2, 5});  // one tag needs no mode
}

TEST_CASE_METHOD(tags_fixture, "tags: at most 5 tags in a filter", "[pg][tags][options]") {
  CHECK(ids({.tags = {"a", "b", "c", "d", "e"}, .match = tags_match::any}) == ids_t{1, 2, 3, 5, 6});
  for (auto match : {tags_match::all, tags_match::any}) {
    auto p = services.page(10, {}, {.tags = {"a", "b", "c", "d", "e", "f"}, .match = match});
    REQUIRE_FALSE(p);
    CHECK(p.error().code == typedao::error_code::invalid_options);
    CHECK(p.error().message == "invalid option (tags: cannot query more than 5 tags)");
    CHECK(p.error().fields ==
          std::vector<typedao::field_detail>{{"tags", "cannot query more than 5 tags"}});
  }
}

TEST_CASE_METHOD(tags_fixture, "tags: invalid tags are INVALID_OPTIONS with Kong's message",
                 "[pg][tags][options]") {
  for (std::string bad :
       {std::string("a,b"), std::string(","), std::string("a/b"), std::string("/"),
        std::string("tab\t"), std::string("nl\n"), std::string("\x7f"), std::string("a\0b", 3),
        std::string("\xff"), std::string("\xc3"), std::string("\xed\xa0\x80"), std::string("")}) {
    INFO("tag bytes: " << bad.size());
    auto p = services.page(10, {}, {.tags = {"a", bad}});
    REQUIRE_FALSE(p);
    CHECK(p.error().code == typedao::error_code::invalid_options);
    CHECK(p.error().message == bad_tag);
    auto any = services.page(10, {}, {.tags = {bad}, .match = tags_match::any});
    REQUIRE_FALSE(any);
    CHECK(any.error().message == bad_tag);
  }
  // Printable ASCII (space included) and valid UTF-8 are fine.
  CHECK(ids({.tags = {"with space"}}) == ids_t{});
  CHECK(ids({.tags = {"~!@#$%^&*()[]{}<>?;:'\"\\|=+-_."}}) == ids_t{});
}

TEST_CASE_METHOD(tags_fixture, "tags: a filter on an entity without tags is INVALID_OPTIONS",
                 "[pg][tags][options]") {
  REQUIRE_OK(plains.insert({.id = 1, .labels = {"a"}}));
  auto p = plains.page(10, {}, {.tags = {"a"}});
  REQUIRE_FALSE(p);
  CHECK(p.error().code == typedao::error_code::invalid_options);
  CHECK(p.error().message == "invalid option (tags: cannot be used with 'plains')");
  CHECK(p.error().fields ==
        std::vector<typedao::field_detail>{{"tags", "cannot be used with 'plains'"}});
  // Whatever the tags are.
  auto q = plains.page(10, {}, {.tags = {"a/b", "c", "d", "e", "f", "g"}});
  REQUIRE_FALSE(q);
  CHECK(q.error().message == "invalid option (tags: cannot be used with 'plains')");
  // each() too.
  std::vector<typedao::result<Plain>> got;
  for (auto&& r : plains.each(10, {.tags = {"a"}})) got.push_back(r);
  REQUIRE(got.size() == 1);
  REQUIRE_FALSE(got[0]);
  CHECK(got[0].error().message == "invalid option (tags: cannot be used with 'plains')");
  // An empty tag list is no filter.
  auto all = plains.page(10, {}, {.tags = {}});
  REQUIRE_OK(all);
  CHECK(all->rows.size() == 1);
}

TEST_CASE_METHOD(tags_fixture, "tags: the GIN index exists", "[pg][tags][index]") {
  CHECK(value("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = "
              "'services_tags_idx'")
            .find("USING gin (tags)") != std::string::npos);
  CHECK(value("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = "
              "'routes_tags_idx'")
            .find("USING gin (tags)") != std::string::npos);
  // By access method, not by indexdef text: pg_get_indexdef() in a WHERE clause may run on other
  // schemas' indexes, which concurrent tests drop ("could not open relation with OID").
  auto gin_indexes = [&](const char* table) {
    return value(
        std::string("SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                    "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am am ON am.oid = x.relam "
                    "WHERE t.relnamespace = current_schema()::regnamespace AND am.amname = 'gin' "
                    "AND t.relname = '") +
        table + "'");
  };
  CHECK(gin_indexes("services") == "1");
  CHECK(gin_indexes("plains") == "0");
}

TEST_CASE_METHOD(tags_fixture,
                 "tags: the planner uses the GIN index for the DAO's tags @> $1 statement",
                 "[pg][tags][index]") {
  exec(
      "INSERT INTO services (id, name, tags) SELECT g, 's' || g, ARRAY['t' || (g % 1000), "
      "'common'] "
      "FROM generate_series(100, 50099) AS g");
  exec("VACUUM ANALYZE services");  // also flushes the GIN pending list of the bulk insert
  exec("SET enable_seqscan = off");
  // The statement the DAO runs for page(size, {}, {.tags = ...}) (all-of, first page).
  const std::string sql(
      typedao::detail::text_v<typedao::detail::page_gen<Service, typedao::detail::npos, typedao::detail::tags_filter::all,
                                                        false>>
          .view());
  INFO(sql);
  REQUIRE(sql.find("\"tags\" @> $1") != std::string::npos);
  exec("PREPARE tagged(text[], int8) AS " + sql);
  auto plan = typedao_test::raw_exec(conn, "EXPLAIN EXECUTE tagged('{t7}', 10)");
  std::string text;
  for (int i = 0; i < PQntuples(plan.get()); ++i)
    text += std::string(PQgetvalue(plan.get(), i, 0)) + "\n";
  INFO(text);
  CHECK(text.find("services_tags_idx") != std::string::npos);
  // (The generic plan, with $1 and LIMIT $2 unknown, prefers the primary key; PostgreSQL keeps
  // choosing custom plans for this statement because they are cheaper.)
  exec("DEALLOCATE tagged");
  exec("RESET enable_seqscan");

  // And the DAO returns the right rows from the big table.
  auto p = services.page(1000, {}, {.tags = {"t7"}});
  REQUIRE_OK(p);
  CHECK(p->rows.size() == 50);  // g % 1000 == 7 for 50 values of g in [100, 50099]
}

}  // namespace typedao_it_tags
