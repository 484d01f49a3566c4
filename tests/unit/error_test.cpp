// Kong's typed errors (error.hpp), without a database: the 21 codes with Kong's numbers, constant
// names and human names (kong/db/errors.lua), to_string(), schema_violation message formats and
// ordering, render_table, and result<T>::value() throwing typedao::exception.

#include <typedao/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace typedao_ut_error {

using typedao::error;
using typedao::error_code;
using typedao::field_detail;
namespace detail = typedao::detail;

namespace {

struct kong_code {
  error_code code;
  int number;
  std::string_view constant;
  std::string_view name;
};

// kong/db/errors.lua: ERRORS and ERRORS_NAMES. Kong spells 19 REFERENCCED_BY_OTHERS (sic);
// typedao uses the corrected spelling. Kong formats 10's name as "invalid unique %s".
constexpr kong_code kong_codes[] = {
    {error_code::invalid_primary_key, 1, "INVALID_PRIMARY_KEY", "invalid primary key"},
    {error_code::schema_violation, 2, "SCHEMA_VIOLATION", "schema violation"},
    {error_code::primary_key_violation, 3, "PRIMARY_KEY_VIOLATION", "primary key violation"},
    {error_code::foreign_key_violation, 4, "FOREIGN_KEY_VIOLATION", "foreign key violation"},
    {error_code::unique_violation, 5, "UNIQUE_VIOLATION", "unique constraint violation"},
    {error_code::not_found, 6, "NOT_FOUND", "not found"},
    {error_code::invalid_offset, 7, "INVALID_OFFSET", "invalid offset"},
    {error_code::database_error, 8, "DATABASE_ERROR", "database error"},
    {error_code::invalid_size, 9, "INVALID_SIZE", "invalid size"},
    {error_code::invalid_unique, 10, "INVALID_UNIQUE", "invalid unique"},
    {error_code::invalid_options, 11, "INVALID_OPTIONS", "invalid options"},
    {error_code::operation_unsupported, 12, "OPERATION_UNSUPPORTED", "operation unsupported"},
    {error_code::foreign_keys_unresolved, 13, "FOREIGN_KEYS_UNRESOLVED", "foreign keys unresolved"},
    {error_code::declarative_config, 14, "DECLARATIVE_CONFIG", "invalid declarative configuration"},
    {error_code::transformation_error, 15, "TRANSFORMATION_ERROR", "transformation error"},
    {error_code::invalid_foreign_key, 16, "INVALID_FOREIGN_KEY", "invalid foreign key"},
    {error_code::invalid_workspace, 17, "INVALID_WORKSPACE", "invalid workspace"},
    {error_code::invalid_unique_global, 18, "INVALID_UNIQUE_GLOBAL", "invalid global query"},
    {error_code::referenced_by_others, 19, "REFERENCED_BY_OTHERS", "referenced by others"},
    {error_code::invalid_search_query, 20, "INVALID_SEARCH_QUERY", "invalid search query"},
    {error_code::sync_deltas, 21, "SYNC_DELTAS", "invalid sync deltas"},
};

}  // namespace

TEST_CASE("error codes: Kong's numbers, constants and names for all 21", "[unit][error]") {
  STATIC_REQUIRE(std::size(kong_codes) == 21);
  for (const auto& k : kong_codes) {
    INFO(k.constant);
    CHECK(static_cast<int>(k.code) == k.number);
    CHECK(typedao::constant_name(k.code) == k.constant);
    CHECK(typedao::error_name(k.code) == k.name);

    error e = detail::make_error(k.code, "");
    CHECK(e.constant() == k.constant);
    CHECK(e.name() == k.name);
  }
  // Both tables are usable at compile time.
  STATIC_REQUIRE(typedao::constant_name(error_code::unique_violation) == "UNIQUE_VIOLATION");
  STATIC_REQUIRE(typedao::error_name(error_code::unique_violation) ==
                 "unique constraint violation");
}

TEST_CASE("error codes: outside Kong's range there is no name", "[unit][error]") {
  CHECK(typedao::constant_name(static_cast<error_code>(0)).empty());
  CHECK(typedao::error_name(static_cast<error_code>(0)).empty());
  // typedao's own codes follow Kong's 21.
  CHECK(typedao::constant_name(error_code::concurrent_use) == "CONCURRENT_USE");
  CHECK(static_cast<int>(error_code::concurrent_use) == 22);
  CHECK(typedao::constant_name(error_code::transaction_lost) == "TRANSACTION_LOST");
  CHECK(typedao::error_name(error_code::transaction_lost) == "transaction lost");
  CHECK(typedao::constant_name(error_code::deadline_exceeded) == "DEADLINE_EXCEEDED");
  CHECK(static_cast<int>(error_code::deadline_exceeded) == 24);
  CHECK(typedao::constant_name(error_code::pool_exhausted) == "POOL_EXHAUSTED");
  CHECK(typedao::constant_name(error_code::acquire_timeout) == "ACQUIRE_TIMEOUT");
  CHECK(static_cast<int>(error_code::acquire_timeout) == 26);
  CHECK(typedao::constant_name(error_code::cancelled) == "CANCELLED");
  CHECK(typedao::error_name(error_code::cancelled) == "operation cancelled");
  CHECK(static_cast<int>(error_code::cancelled) == 27);
  CHECK(typedao::constant_name(static_cast<error_code>(28)).empty());
  CHECK(typedao::error_name(static_cast<error_code>(28)).empty());
  CHECK(typedao::constant_name(static_cast<error_code>(1000)).empty());
}

TEST_CASE("error: defaults, to_string, sqlstate and field lookup", "[unit][error]") {
  error e;
  CHECK(e.code == error_code::database_error);
  CHECK(e.message.empty());
  CHECK(e.fields.empty());
  CHECK(e.entity.empty());
  CHECK(e.sqlstate().empty());
  // Kong's tostring(err_t): the name when there is no message, "[postgres] " in front.
  CHECK(e.to_string() == "[postgres] database error");

  e.message = "connection to server was lost";
  e.server.sqlstate = "08006";
  CHECK(e.to_string() == "[postgres] connection to server was lost");
  CHECK(e.sqlstate() == "08006");

  error u = detail::make_error(error_code::unique_violation,
                               "UNIQUE violation detected on '{name=\"httpbin\"}'",
                               {{"name", "\"httpbin\""}});
  CHECK(u.code == error_code::unique_violation);
  CHECK(u.to_string() == "[postgres] UNIQUE violation detected on '{name=\"httpbin\"}'");
  REQUIRE(u.field("name") != nullptr);
  CHECK(u.field("name")->value == "\"httpbin\"");
  CHECK(u.field("host") == nullptr);
  CHECK(u.fields == std::vector<field_detail>{{"name", "\"httpbin\""}});

  CHECK(detail::make_error(error_code::not_found, "").to_string() == "[postgres] not found");
}

TEST_CASE("error: result<T>::value() throws typedao::exception with the error", "[unit][error]") {
  typedao::result<int> ok = 42;
  CHECK(ok.value() == 42);

  typedao::result<int> bad =
      detail::make_error(error_code::not_found, "could not find the entity with '{name=\"x\"}'");
  REQUIRE_FALSE(bad.has_value());  // not REQUIRE_FALSE(bad): result<T> is not printable,
                                   // typedao::error has no operator<<
  CHECK(bad.error().code == error_code::not_found);
  try {
    (void)bad.value();
    FAIL("value() did not throw");
  } catch (const typedao::exception& ex) {
    CHECK(std::string(ex.what()) == "[postgres] could not find the entity with '{name=\"x\"}'");
    CHECK(ex.error().code == error_code::not_found);
    CHECK(ex.error().constant() == "NOT_FOUND");
  }
  // typedao::exception is a std::runtime_error.
  CHECK_THROWS_AS(bad.value(), std::runtime_error);

  typedao::result<void> void_bad = detail::make_error(error_code::database_error, "boom");
  CHECK_THROWS_WITH(void_bad.value(), "[postgres] boom");
}

TEST_CASE("render_table: Kong's {k=v,...} with keys sorted", "[unit][error]") {
  CHECK(detail::render_table({}) == "{}");
  CHECK(detail::render_table({{"id", "\"6a0d\""}}) == "{id=\"6a0d\"}");
  CHECK(detail::render_table({{"b", "\"x\""}, {"a", "1"}}) == "{a=1,b=\"x\"}");
  CHECK(detail::render_table({{"user", "42"}, {"group", "\"ops\""}}) == "{group=\"ops\",user=42}");
  CHECK(detail::render_table({{"c", "3"}, {"a", "1"}, {"b", "2"}}) == "{a=1,b=2,c=3}");
  // Byte order, as Lua's sort of string keys: upper case before lower case, _ between.
  CHECK(detail::render_table({{"b", "1"}, {"_a", "2"}, {"B", "3"}}) == "{B=3,_a=2,b=1}");
  // The caller's vector is taken by value and left as it was.
  std::vector<field_detail> kv{{"z", "1"}, {"a", "2"}};
  CHECK(detail::render_table(kv) == "{a=2,z=1}");
  CHECK(kv.front().field == "z");
}

TEST_CASE("schema_violation: one error, several errors, Kong's order", "[unit][error]") {
  error one = detail::schema_violation({{"name", "expected a valid UTF-8 string"}});
  CHECK(one.code == error_code::schema_violation);
  CHECK(one.constant() == "SCHEMA_VIOLATION");
  CHECK(one.message == "schema violation (name: expected a valid UTF-8 string)");
  CHECK(one.to_string() == "[postgres] schema violation (name: expected a valid UTF-8 string)");
  CHECK(one.fields == std::vector<field_detail>{{"name", "expected a valid UTF-8 string"}});

  CHECK(detail::schema_violation({{"service.id", "missing primary key"}}).message ==
        "schema violation (service.id: missing primary key)");

  // Several: counted, "; "-separated, sorted by field as Kong sorts its errors table.
  error two = detail::schema_violation(
      {{"name", "must not contain NUL bytes"}, {"host", "required field missing"}});
  CHECK(two.message ==
        "2 schema violations (host: required field missing; name: must not contain NUL bytes)");
  REQUIRE(two.fields.size() == 2);
  CHECK(two.fields[0].field == "host");
  CHECK(two.fields[1].field == "name");
  REQUIRE(two.field("name") != nullptr);
  CHECK(two.field("name")->value == "must not contain NUL bytes");

  // Entity-level messages come first and carry no "field: " prefix; array indices sort as numbers.
  error many = detail::schema_violation(
      {{"tags.10", "bad tag"},
       {"port", "value should be between 0 and 65535"},
       {"@entity", "at least one of these fields must be non-empty: 'host', 'url'"},
       {"tags.2", "bad tag"}});
  CHECK(many.message ==
        "4 schema violations (at least one of these fields must be non-empty: 'host', 'url'; "
        "port: value should be between 0 and 65535; tags.2: bad tag; tags.10: bad tag)");

  error entity_only =
      detail::schema_violation({{"@entity", "only one of these fields may be set: 'a', 'b'"}});
  CHECK(entity_only.message == "schema violation (only one of these fields may be set: 'a', 'b')");
}

TEST_CASE("schema_violation_in_order: declaration order, entity-level first", "[unit][error]") {
  error e = detail::schema_violation_in_order({{"name", "required field missing"},
                                               {"@entity", "custom check failed"},
                                               {"host", "required field missing"}});
  CHECK(e.code == error_code::schema_violation);
  CHECK(e.message ==
        "3 schema violations (custom check failed; name: required field missing; host: required "
        "field missing)");
  REQUIRE(e.fields.size() == 3);
  CHECK(e.fields[0].field == "@entity");
  CHECK(e.fields[1].field == "name");
  CHECK(e.fields[2].field == "host");

  CHECK(detail::schema_violation_in_order({{"port", "expected an integer"}}).message ==
        "schema violation (port: expected an integer)");
}

TEST_CASE("kong_field_less: Kong's ordering of error fields", "[unit][error]") {
  CHECK(detail::kong_field_less("@entity", "a"));
  CHECK_FALSE(detail::kong_field_less("a", "@entity"));
  CHECK_FALSE(detail::kong_field_less("@entity", "@entity"));
  CHECK(detail::kong_field_less("host", "name"));
  CHECK_FALSE(detail::kong_field_less("name", "host"));
  CHECK(detail::kong_field_less("tags.2", "tags.10"));
  CHECK_FALSE(detail::kong_field_less("tags.10", "tags.2"));
  CHECK(detail::kong_field_less("tags", "tags.1"));  // the field before its sub-fields
  CHECK(detail::kong_field_less("service.id", "service.name"));
  CHECK(detail::kong_field_less("a.b", "b"));
  CHECK_FALSE(detail::kong_field_less("x", "x"));
}

TEST_CASE("error: outcome and retry_safe", "[unit][error]") {
  error e;  // a connection error that was never sent: retry is safe
  CHECK(e.outcome == typedao::outcome::not_sent);
  CHECK(e.retry_safe());
  e.outcome = typedao::outcome::maybe_applied;  // the first attempt may have taken effect
  e.server.sqlstate = "08006";
  CHECK_FALSE(e.retry_safe());
  e.outcome = typedao::outcome::refused;
  for (const char* transient : {"40001", "40P01", "55P03", "57014", "57P01", "08006"}) {
    e.server.sqlstate = transient;
    CHECK(e.retry_safe());
  }
  for (const char* permanent : {"23505", "23503", "42P01", "25006", ""}) {
    e.server.sqlstate = permanent;
    CHECK_FALSE(e.retry_safe());
  }
  error kong;  // Kong's own errors are found before sending, and fail the same way again
  kong.code = error_code::schema_violation;
  CHECK_FALSE(kong.retry_safe());
  error lost;
  lost.code = error_code::transaction_lost;
  lost.outcome = typedao::outcome::refused;
  lost.server.sqlstate = "57P01";
  CHECK_FALSE(lost.retry_safe());  // the whole transaction must run again, not this call
}

}  // namespace typedao_ut_error
