// each(size) / each_for<&Child::fk>(parent, size) against a real PostgreSQL: every row exactly
// once in key order, one page in memory at a time (page_number() advances as the walk goes, rows
// added ahead of the cursor mid-walk show up), an error mid-walk yields one element holding it and
// ends the range, validation errors are the first and only element.

#include "pg_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <optional>
#include <ranges>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace typedao_it_each {

namespace {

struct Item {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Item, (), (id, name, tags))
TYPEDAO_ENTITY(Item, "items")

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, name))
TYPEDAO_ENTITY(Route, "routes")

struct Tenant {
  std::string org;
  std::int32_t num = 0;
};
BOOST_DESCRIBE_STRUCT(Tenant, (), (org, num))
TYPEDAO_ENTITY(Tenant, "tenants", typedao::primary_key(&Tenant::org, &Tenant::num))

struct Seat {
  std::int64_t id = 0;
  typedao::foreign<Tenant> tenant;
};
BOOST_DESCRIBE_STRUCT(Seat, (), (id, tenant))
TYPEDAO_ENTITY(Seat, "seats")

using typedao_test::pg_fixture;
using db_t = typedao::database<Item, Service, Route, Tenant, Seat>;

struct each_fixture : pg_fixture {
  db_t db{conn};
  typedao_test::dao_t<db_t, Item> items = db.dao<Item>();
  typedao_test::dao_t<db_t, Service> services = db.dao<Service>();
  typedao_test::dao_t<db_t, Route> routes = db.dao<Route>();
  typedao_test::dao_t<db_t, Tenant> tenants = db.dao<Tenant>();
  typedao_test::dao_t<db_t, Seat> seats = db.dao<Seat>();
  each_fixture() { REQUIRE_OK(db.migrate()); }

  void bulk_items(int n) {
    exec("INSERT INTO items (id, name, tags) SELECT g, 'n' || g, '{}' FROM generate_series(1, " +
         std::to_string(n) + ") AS g");
  }
  Service add_service(std::string name) {
    auto r = services.insert({.name = std::move(name)});
    REQUIRE_OK(r);
    return *r;
  }
};

using range_t = decltype(std::declval<typedao_test::dao_t<db_t, Item>&>().each());
static_assert(std::input_iterator<std::ranges::iterator_t<range_t>>);
static_assert(std::ranges::input_range<range_t>);
static_assert(std::is_same_v<std::ranges::range_value_t<range_t>, typedao::result<Item>>);

}  // namespace

TEST_CASE_METHOD(each_fixture, "each: visits every row exactly once, in key order", "[pg][each]") {
  bulk_items(23);
  for (std::int64_t size : {1, 2, 5, 7, 22, 23, 24, 1000}) {
    INFO("size " << size);
    std::vector<std::int64_t> ids;
    auto range = items.each(size);
    for (auto&& r : range) {
      REQUIRE_OK(r);
      ids.push_back(r->id);
    }
    std::vector<std::int64_t> expected(23);
    std::iota(expected.begin(), expected.end(), 1);
    CHECK(ids == expected);
    CHECK(range.page_number() == static_cast<std::size_t>((23 + size - 1) / size));
  }
  // Size omitted: the DAO's default (1000), one page here.
  auto range = items.each();
  CHECK(std::ranges::distance(range) == 23);
  CHECK(range.page_number() == 1);
}

TEST_CASE_METHOD(each_fixture, "each: an empty table is an empty range", "[pg][each]") {
  auto range = items.each(10);
  CHECK(range.begin() == range.end());
  CHECK(range.page_number() == 1);  // one (empty) page was fetched
  auto other = items.each(10);
  int n = 0;
  for (auto&& r : other) {
    (void)r;
    ++n;
  }
  CHECK(n == 0);
}

TEST_CASE_METHOD(
    each_fixture,
    "each: holds one page at a time (2500 rows by 100 -> 25 pages, fetched as the walk goes)",
    "[pg][each]") {
  bulk_items(2500);
  auto range = items.each(100);
  std::size_t i = 0;
  std::int64_t last = 0;
  bool added = false;
  for (auto&& r : range) {
    REQUIRE_OK(r);
    // The row came from the page being walked: page k holds rows 100(k-1)+1 .. 100k.
    if (range.page_number() != i / 100 + 1) {
      FAIL("row " << i << " (id " << r->id << ") reported page " << range.page_number());
    }
    CHECK(r->id > last);
    last = r->id;
    // A row inserted ahead of the cursor after the walk started is still seen: nothing was
    // loaded up front.
    if (i == 0) {
      exec("INSERT INTO items (id, name, tags) VALUES (2501, 'late', '{}')");
      added = true;
    }
    ++i;
  }
  CHECK(added);
  CHECK(i == 2501);
  CHECK(last == 2501);
  CHECK(range.page_number() == 26);  // 2501 rows by 100

  // Without the late row: exactly 25 pages.
  exec("DELETE FROM items WHERE id = 2501");
  auto exact = items.each(100);
  std::size_t n = 0;
  for (auto&& r : exact) {
    REQUIRE_OK(r);
    ++n;
  }
  CHECK(n == 2500);
  CHECK(exact.page_number() == 25);
}

TEST_CASE_METHOD(each_fixture, "each: rows deleted ahead of the cursor mid-walk are not visited",
                 "[pg][each]") {
  bulk_items(10);
  std::vector<std::int64_t> ids;
  for (auto&& r : items.each(3)) {
    REQUIRE_OK(r);
    ids.push_back(r->id);
    if (r->id == 2) exec("DELETE FROM items WHERE id IN (1, 8)");  // 8 is on a page not fetched yet
  }
  CHECK(ids == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 9, 10});
}

TEST_CASE_METHOD(
    each_fixture,
    "each: an error mid-walk yields one element holding the error, then the range ends",
    "[pg][each][errors]") {
  bulk_items(7);
  auto range = items.each(3);
  std::vector<std::int64_t> ok;
  std::vector<typedao::error> errors;
  for (auto&& r : range) {
    if (!r) {
      errors.push_back(r.error());
      continue;
    }
    ok.push_back(r->id);
    if (r->id == 2) exec("DROP TABLE items");  // the next page cannot be read
  }
  // The first page was already in memory.
  CHECK(ok == std::vector<std::int64_t>{1, 2, 3});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == typedao::error_code::database_error);
  CHECK(errors[0].server.sqlstate == "42P01");  // undefined_table
  CHECK(range.page_number() == 1);
  // The range stays ended.
  CHECK(range.begin() == range.end());
}

TEST_CASE_METHOD(each_fixture, "each: an invalid size is the first and only element (INVALID_SIZE)",
                 "[pg][each][errors]") {
  bulk_items(3);
  for (std::int64_t size : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{50001}}) {
    INFO("size " << size);
    auto range = items.each(size);
    std::vector<typedao::result<Item>> got;
    for (auto&& r : range) got.push_back(r);
    REQUIRE(got.size() == 1);
    REQUIRE_FALSE(got[0]);
    CHECK(got[0].error().code == typedao::error_code::invalid_size);
    CHECK(got[0].error().message == "size must be an integer between 1 and 50000");
    CHECK(range.page_number() == 0);
  }
  // Invalid options the same way.
  auto range = items.each(10, {.tags = {"a/b"}});
  std::vector<typedao::result<Item>> got;
  for (auto&& r : range) got.push_back(r);
  REQUIRE(got.size() == 1);
  REQUIRE_FALSE(got[0]);
  CHECK(got[0].error().code == typedao::error_code::invalid_options);
  CHECK(got[0].error().message ==
        "invalid option (tags: must only contain printable ascii (except `,` and `/`) or valid "
        "utf-8)");
}

TEST_CASE_METHOD(each_fixture, "each: with a tag filter", "[pg][each][tags]") {
  for (std::int64_t i = 1; i <= 12; ++i) {
    std::vector<std::string> tags;
    if (i % 2 == 0) tags.push_back("even");
    if (i % 3 == 0) tags.push_back("three");
    REQUIRE_OK(items.insert({.id = i, .name = "n", .tags = tags}));
  }
  std::vector<std::int64_t> both, any;
  for (auto&& r : items.each(2, {.tags = {"even", "three"}, .match = typedao::tags_match::all})) {
    REQUIRE_OK(r);
    both.push_back(r->id);
  }
  for (auto&& r : items.each(2, {.tags = {"even", "three"}, .match = typedao::tags_match::any})) {
    REQUIRE_OK(r);
    any.push_back(r->id);
  }
  CHECK(both == std::vector<std::int64_t>{6, 12});
  CHECK(any == std::vector<std::int64_t>{2, 3, 4, 6, 8, 9, 10, 12});
}

TEST_CASE_METHOD(each_fixture,
                 "each_for: every child of one parent once, other parents' children never",
                 "[pg][each][each_for]") {
  auto s1 = add_service("s1");
  auto s2 = add_service("s2");
  std::set<typedao::uuid> mine;
  for (int i = 0; i < 11; ++i) {
    auto r = routes.insert({.service = s1, .name = "a" + std::to_string(i)});
    REQUIRE_OK(r);
    mine.insert(r->id);
    REQUIRE_OK(routes.insert({.service = s2, .name = "b" + std::to_string(i)}));
  }
  for (auto parent : {typedao::foreign<Service>(s1), typedao::foreign<Service>(s1.id)}) {
    std::vector<typedao::uuid> seen;
    auto range = routes.each_for<&Route::service>(parent, 4);
    for (auto&& r : range) {
      REQUIRE_OK(r);
      CHECK(r->service.key() == s1.id);
      seen.push_back(r->id);
    }
    CHECK(std::set<typedao::uuid>(seen.begin(), seen.end()) == mine);
    CHECK(seen.size() == 11);
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(range.page_number() == 3);
  }
  // The entity itself as the parent, default size.
  std::size_t n = 0;
  for (auto&& r : routes.each_for<&Route::service>(s2)) {
    REQUIRE_OK(r);
    CHECK(r->service.key() == s2.id);
    ++n;
  }
  CHECK(n == 11);

  // A missing parent: an empty range, no error.
  auto none = routes.each_for<&Route::service>(typedao::generate_uuid(), 4);
  CHECK(none.begin() == none.end());

  // A nil parent key: one INVALID_FOREIGN_KEY element.
  std::vector<typedao::result<Route>> got;
  for (auto&& r : routes.each_for<&Route::service>(typedao::uuid{}, 4)) got.push_back(r);
  REQUIRE(got.size() == 1);
  REQUIRE_FALSE(got[0]);
  CHECK(got[0].error().code == typedao::error_code::invalid_foreign_key);
}

TEST_CASE_METHOD(each_fixture, "each_for: a composite-key parent",
                 "[pg][each][each_for][composite]") {
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 1}));
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 2}));
  for (std::int64_t i = 1; i <= 9; ++i)
    REQUIRE_OK(seats.insert(
        {.id = i, .tenant = std::tuple<std::string, std::int32_t>{"acme", i % 3 == 0 ? 2 : 1}}));
  std::vector<std::int64_t> ids;
  for (auto&& r :
       seats.each_for<&Seat::tenant>(std::tuple<std::string, std::int32_t>{"acme", 1}, 2)) {
    REQUIRE_OK(r);
    ids.push_back(r->id);
  }
  CHECK(ids == std::vector<std::int64_t>{1, 2, 4, 5, 7, 8});
}

TEST_CASE_METHOD(each_fixture, "each: the range outlives nothing it needs (DAO copied into it)",
                 "[pg][each]") {
  bulk_items(5);
  auto make = [&] {
    auto local = db.dao<Item>().with_pagination({.page_size = 2, .max_page_size = 10});
    return local.each();
  };
  auto range = make();  // the DAO it came from is gone
  std::vector<std::int64_t> ids;
  for (auto&& r : range) {
    REQUIRE_OK(r);
    ids.push_back(r->id);
  }
  CHECK(ids == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(range.page_number() == 3);
}

}  // namespace typedao_it_each
