// Table and member names that need quoting (SQL reserved words, upper case, spaces, a double
// quote, non-ASCII) work through every operation, and errors still map back to Kong's codes
// (the constraint names the server reports are the ones the DAO expects).

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_identifiers {
namespace {

// "user", "group", "select", "from", "limit", "order" are SQL reserved words.
struct Account {
  typedao::uuid id;
  std::string user;
  std::optional<std::string> group;
};
BOOST_DESCRIBE_STRUCT(Account, (), (id, user, group))
TYPEDAO_ENTITY(Account, "User Accounts", typedao::unique(&Account::user))

struct Order {
  typedao::uuid id;
  typedao::foreign<Account> select;
  std::string from;
  std::int32_t limit = 10;
};
BOOST_DESCRIBE_STRUCT(Order, (), (id, select, from, limit))
TYPEDAO_ENTITY(Order, "order", typedao::unique(&Order::from))

// A double quote and non-ASCII in the table name.
struct Weird {
  typedao::uuid id;
  std::string label;
  typedao::foreign<Order> order;
};
BOOST_DESCRIBE_STRUCT(Weird, (), (id, label, order))
TYPEDAO_ENTITY(Weird, "we\"ird \xC3\xA9t\xC3\xA9", typedao::unique(&Weird::label),
               typedao::on_delete(&Weird::order, typedao::cascade))

using typedao::set;
using typedao_test::pg_fixture;
using db_t = typedao::database<Weird, Order, Account>;

struct ident_fixture : pg_fixture {
  db_t db{conn};
  typedao_test::dao_t<db_t, Account> accounts = db.dao<Account>();
  typedao_test::dao_t<db_t, Order> orders = db.dao<Order>();
  typedao_test::dao_t<db_t, Weird> weirds = db.dao<Weird>();
  ident_fixture() { REQUIRE_OK(db.migrate()); }
};

}  // namespace
}  // namespace typedao_it_identifiers

namespace typedao_it_identifiers {

TEST_CASE_METHOD(ident_fixture,
                 "identifiers: tables and columns named by reserved words, case, spaces, quotes",
                 "[pg][identifiers]") {
  CHECK(value("SELECT string_agg(tablename, ' | ' ORDER BY tablename) FROM pg_tables "
              "WHERE schemaname = current_schema()") ==
        "User Accounts | order | we\"ird \xC3\xA9t\xC3\xA9");
  CHECK(value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
              "information_schema.columns "
              "WHERE table_schema = current_schema() AND table_name = 'order'") ==
        "id,select_id,from,limit");

  auto a = accounts.insert({.user = "alice", .group = "admins"});
  REQUIRE_OK(a);
  auto o = orders.insert({.select = *a, .from = "web"});
  REQUIRE_OK(o);
  auto w = weirds.insert({.label = "w", .order = *o});
  REQUIRE_OK(w);

  auto got = accounts.select_by<&Account::user>("alice");
  REQUIRE_OK(got);
  REQUIRE(got->has_value());
  CHECK((*got)->group == std::optional<std::string>("admins"));
  auto up = orders.update(o->id, set<&Order::limit>(5), set<&Order::from>("api"));
  REQUIRE_OK(up);
  CHECK(up->limit == 5);
  CHECK(value("SELECT \"from\" || ':' || \"limit\" FROM \"order\"") == "api:5");
  auto ups = orders.upsert_by<&Order::from>("api", {.select = *a, .limit = 7});
  REQUIRE_OK(ups);
  CHECK(ups->id == o->id);
  CHECK(ups->limit == 7);
  auto wu = weirds.update_by<&Weird::label>("w", set<&Weird::label>("w2"));
  REQUIRE_OK(wu);
  CHECK(value("SELECT label FROM \"we\"\"ird \xC3\xA9t\xC3\xA9\"") == "w2");
}

TEST_CASE_METHOD(ident_fixture, "identifiers: errors still map to Kong's codes",
                 "[pg][identifiers][errors]") {
  auto a = accounts.insert({.user = "alice"});
  REQUIRE_OK(a);
  auto o = orders.insert({.select = *a, .from = "web"});
  REQUIRE_OK(o);
  REQUIRE_OK(weirds.insert({.label = "w", .order = *o}));

  auto dup = accounts.insert({.user = "alice"});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == typedao::error_code::unique_violation);
  CHECK(dup.error().message == "UNIQUE violation detected on '{user=\"alice\"}'");
  CHECK(dup.error().server.constraint == "User Accounts_user_key");

  auto pk = accounts.insert({.id = a->id, .user = "bob"});
  REQUIRE_FALSE(pk);
  CHECK(pk.error().code == typedao::error_code::primary_key_violation);

  auto wdup = weirds.insert({.label = "w", .order = *o});
  REQUIRE_FALSE(wdup);
  CHECK(wdup.error().code == typedao::error_code::unique_violation);
  CHECK(wdup.error().message == "UNIQUE violation detected on '{label=\"w\"}'");

  const auto missing = typedao::generate_uuid();
  auto fk = orders.insert({.select = missing, .from = "x"});
  REQUIRE_FALSE(fk);
  CHECK(fk.error().code == typedao::error_code::foreign_key_violation);
  CHECK(fk.error().message == "the foreign key '{id=\"" + typedao::to_string(missing) +
                                  "\"}' does not reference an existing 'User Accounts' entity.");
  CHECK(fk.error().fields ==
        std::vector<typedao::field_detail>{{"select.id", typedao::to_string(missing)}});

  auto restrict = accounts.remove(a->id);
  REQUIRE_FALSE(restrict);
  CHECK(restrict.error().code == typedao::error_code::foreign_key_violation);
  CHECK(restrict.error().message ==
        "an existing 'order' entity references this 'User Accounts' entity");

  // cascade into the table with the awkward name
  REQUIRE_OK(orders.remove(o->id));
  CHECK(value("SELECT count(*) FROM \"we\"\"ird \xC3\xA9t\xC3\xA9\"") == "0");
  REQUIRE_OK(accounts.remove(a->id));
}

}  // namespace typedao_it_identifiers
