// Per-call options validated together, as Kong's validate_options_value: several bad options give
// ONE INVALID_OPTIONS error listing all of them with keys sorted ("2 option violations (a: ...;
// b: ...)"), error.fields lists each, options are checked before the size and the offset, and
// nothing is read or written when they are bad.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace typedao_it_options {

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
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service))
TYPEDAO_ENTITY(Route, "routes")

struct Cred {
  std::int64_t id = 0;
  std::string key;
};
BOOST_DESCRIBE_STRUCT(Cred, (), (id, key))
TYPEDAO_ENTITY(Cred, "creds", typedao::with_ttl)

using typedao::field_detail;
using typedao_test::dao_t;
using typedao_test::pg_fixture;
using db_t = typedao::database<Service, Route, Cred>;

const std::string bad_tag = "must only contain printable ascii (except `,` and `/`) or valid utf-8";

struct options_fixture : pg_fixture {
  db_t db{conn};
  dao_t<db_t, Service> services = db.dao<Service>();
  dao_t<db_t, Route> routes = db.dao<Route>();
  dao_t<db_t, Cred> creds = db.dao<Cred>();
  options_fixture() {
    REQUIRE_OK(db.migrate());
    for (std::int64_t i = 1; i <= 3; ++i)
      REQUIRE_OK(services.insert({.id = i, .name = "s", .tags = {"a"}}));
  }
};

void check_options_error(const typedao::error& e, const std::string& message,
                         const std::vector<field_detail>& fields) {
  CHECK(e.code == typedao::error_code::invalid_options);
  CHECK(static_cast<int>(e.code) == 11);
  CHECK(e.constant() == "INVALID_OPTIONS");
  CHECK(e.name() == "invalid options");
  CHECK(e.message == message);
  CHECK(e.to_string() == "[postgres] " + message);
  CHECK(e.fields == fields);
  CHECK(e.server.sqlstate.empty());  // refused before any SQL
}

}  // namespace

TEST_CASE_METHOD(options_fixture,
                 "options: two bad options give one error listing both, keys sorted",
                 "[pg][options]") {
  auto p = services.page(10, {}, {.tags = {"a/b"}, .page_size = 0});
  REQUIRE_FALSE(p);
  check_options_error(
      p.error(),
      "2 option violations (pagination.page_size: must be an integer between 1 and 50000; tags: " +
          bad_tag + ")",
      {{"pagination.page_size", "must be an integer between 1 and 50000"}, {"tags", bad_tag}});
}

TEST_CASE_METHOD(options_fixture,
                 "options: several bad options, keys sorted whatever order they were found in",
                 "[pg][options]") {
  auto p = services.page(
      10, {}, {.tags = {"a", "b", "c", "d", "e", "f"}, .page_size = 5, .max_page_size = 0});
  REQUIRE_FALSE(p);
  check_options_error(p.error(),
                      "2 option violations (pagination.max_page_size: must be an integer greater "
                      "than 0; tags: cannot "
                      "query more than 5 tags)",
                      {{"pagination.max_page_size", "must be an integer greater than 0"},
                       {"tags", "cannot query more than 5 tags"}});

  auto q = services.page(10, {}, {.tags = {","}, .page_size = 0, .max_page_size = -1});
  REQUIRE_FALSE(q);
  check_options_error(
      q.error(),
      "3 option violations (pagination.max_page_size: must be an integer greater than 0; "
      "pagination.page_size: must be an integer between 1 and 50000; tags: " +
          bad_tag + ")",
      {{"pagination.max_page_size", "must be an integer greater than 0"},
       {"pagination.page_size", "must be an integer between 1 and 50000"},
       {"tags", bad_tag}});
}

TEST_CASE_METHOD(options_fixture, "options: the bound of page_size is the effective max_page_size",
                 "[pg][options]") {
  auto p = services.page(10, {}, {.tags = {"x/y"}, .page_size = 20, .max_page_size = 10});
  REQUIRE_FALSE(p);
  check_options_error(
      p.error(),
      "2 option violations (pagination.page_size: must be an integer between 1 and 10; tags: " +
          bad_tag + ")",
      {{"pagination.page_size", "must be an integer between 1 and 10"}, {"tags", bad_tag}});
  auto small = services.with_pagination({.page_size = 2, .max_page_size = 5});
  auto q = small.page(std::nullopt, {}, {.page_size = 6});
  REQUIRE_FALSE(q);
  check_options_error(q.error(),
                      "invalid option (pagination.page_size: must be an integer between 1 and 5)",
                      {{"pagination.page_size", "must be an integer between 1 and 5"}});
}

TEST_CASE_METHOD(options_fixture,
                 "options: tags on an entity without tags together with a bad page size",
                 "[pg][options]") {
  auto p = routes.page(10, {}, {.tags = {"a"}, .page_size = 0});
  REQUIRE_FALSE(p);
  check_options_error(p.error(),
                      "2 option violations (pagination.page_size: must be an integer between 1 and "
                      "50000; tags: cannot "
                      "be used with 'routes')",
                      {{"pagination.page_size", "must be an integer between 1 and 50000"},
                       {"tags", "cannot be used with 'routes'"}});
  auto f = routes.page_for<&Route::service>(std::int64_t{1}, 10, {},
                                            {.tags = {"a"}, .max_page_size = 0});
  REQUIRE_FALSE(f);
  check_options_error(f.error(),
                      "2 option violations (pagination.max_page_size: must be an integer greater "
                      "than 0; tags: cannot "
                      "be used with 'routes')",
                      {{"pagination.max_page_size", "must be an integer greater than 0"},
                       {"tags", "cannot be used with 'routes'"}});
}

TEST_CASE_METHOD(options_fixture, "options: checked before the size and the offset",
                 "[pg][options]") {
  // A bad size and a bad offset as well: the options error wins.
  auto p = services.page(0, "!!!", {.tags = {"a/b"}});
  REQUIRE_FALSE(p);
  check_options_error(p.error(), "invalid option (tags: " + bad_tag + ")", {{"tags", bad_tag}});
  // With good options, the size is checked, then the offset.
  auto s = services.page(0, "!!!", {.tags = {"a"}});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == typedao::error_code::invalid_size);
  auto o = services.page(1, "!!!", {.tags = {"a"}});
  REQUIRE_FALSE(o);
  CHECK(o.error().code == typedao::error_code::invalid_offset);
}

TEST_CASE_METHOD(options_fixture, "options: each() yields the combined error as its only element",
                 "[pg][options][each]") {
  std::vector<typedao::result<Service>> got;
  for (auto&& r : services.each(10, {.tags = {""}, .page_size = 0})) got.push_back(r);
  REQUIRE(got.size() == 1);
  REQUIRE_FALSE(got[0]);
  check_options_error(
      got[0].error(),
      "2 option violations (pagination.page_size: must be an integer between 1 and 50000; tags: " +
          bad_tag + ")",
      {{"pagination.page_size", "must be an integer between 1 and 50000"}, {"tags", bad_tag}});
}

TEST_CASE_METHOD(options_fixture, "options: a bad write option writes nothing",
                 "[pg][options][write]") {
  auto i = services.insert({.id = 10, .name = "x"}, {.ttl = 5});
  REQUIRE_FALSE(i);
  check_options_error(i.error(), "invalid option (ttl: cannot be used with 'services')",
                      {{"ttl", "cannot be used with 'services'"}});
  CHECK(count("services") == 3);
  auto u =
      services.update(1, typedao::set<&Service::name>("changed"), typedao::write_options{.ttl = 5});
  REQUIRE_FALSE(u);
  check_options_error(u.error(), "invalid option (ttl: cannot be used with 'services')",
                      {{"ttl", "cannot be used with 'services'"}});
  CHECK(value("SELECT name FROM services WHERE id = 1") == "s");
  auto up = services.upsert(1, {.name = "changed"}, {.ttl = 5});
  REQUIRE_FALSE(up);
  CHECK(value("SELECT name FROM services WHERE id = 1") == "s");

  auto c = creds.insert({.id = 1, .key = "k"}, {.ttl = -1});
  REQUIRE_FALSE(c);
  check_options_error(c.error(), "invalid option (ttl: must be an integer between 0 and 100000000)",
                      {{"ttl", "must be an integer between 0 and 100000000"}});
  CHECK(count("creds") == 0);
  // Options are checked before the entity: a bad option and a bad value report the option.
  auto both = creds.insert({.id = 1, .key = "\xff"}, {.ttl = -1});
  REQUIRE_FALSE(both);
  CHECK(both.error().code == typedao::error_code::invalid_options);
}

}  // namespace typedao_it_options
