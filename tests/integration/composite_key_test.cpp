// Composite primary keys (typedao::primary_key(&T::a, &T::b)): select / update / upsert / remove
// with std::tuple keys, their errors, and foreign<> members referencing a composite-key parent
// (two columns, one FK constraint).

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_composite_key {
namespace {

struct Tenant {
  std::string org;
  std::int32_t num = 0;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::string label;
  std::optional<std::string> note;
  std::int64_t quota = 100;
};
BOOST_DESCRIBE_STRUCT(Tenant, (), (org, num, created_at, updated_at, label, note, quota))
TYPEDAO_ENTITY(Tenant, "tenants", typedao::primary_key(&Tenant::org, &Tenant::num))

// restrict (default) towards a composite-key parent
struct Seat {
  typedao::uuid id;
  typedao::foreign<Tenant> tenant;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Seat, (), (id, tenant, name))
TYPEDAO_ENTITY(Seat, "seats", typedao::unique(&Seat::name))

// set_null towards a composite-key parent: both columns become NULL
struct Desk {
  typedao::uuid id;
  std::optional<typedao::foreign<Tenant>> tenant;
  std::string label;
};
BOOST_DESCRIBE_STRUCT(Desk, (), (id, tenant, label))
TYPEDAO_ENTITY(Desk, "desks", typedao::on_delete(&Desk::tenant, typedao::set_null))

// A composite key made of two uuids (both generated when nil), declared in reverse member order.
struct Grant {
  typedao::uuid group_id;
  typedao::uuid user_id;
  std::string role;
};
BOOST_DESCRIBE_STRUCT(Grant, (), (group_id, user_id, role))
TYPEDAO_ENTITY(Grant, "grants", typedao::primary_key(&Grant::user_id, &Grant::group_id))

using typedao::set;
using typedao_test::pg_fixture;
using conn_t = typedao::pg::connection;
using tenant_key = std::tuple<std::string, std::int32_t>;

static_assert(std::is_same_v<typedao::key_t<Tenant>, tenant_key>);
static_assert(std::is_same_v<typedao::key_t<Grant>, std::tuple<typedao::uuid, typedao::uuid>>);

struct composite_fixture : pg_fixture {
  typedao::database<Desk, Seat, Tenant, Grant> db{conn};
  typedao_test::dao_t<decltype(db), Tenant> tenants = db.dao<Tenant>();
  typedao_test::dao_t<decltype(db), Seat> seats = db.dao<Seat>();
  typedao_test::dao_t<decltype(db), Desk> desks = db.dao<Desk>();
  typedao_test::dao_t<decltype(db), Grant> grants = db.dao<Grant>();
  composite_fixture() {
    REQUIRE_OK(db.migrate());
    for (auto& [org, num, label] : std::vector<std::tuple<std::string, int, std::string>>{
             {"acme", 1, "acme-1"}, {"acme", 2, "acme-2"}, {"globex", 1, "globex-1"}})
      REQUIRE_OK(tenants.insert({.org = org, .num = num, .label = label}));
  }
  std::string labels() {
    return value(
        "SELECT string_agg(org || '/' || num || '=' || label || ':' || quota || ':' || "
        "coalesce(note, 'NULL'), ',' ORDER BY org, num) FROM tenants");
  }
};

}  // namespace
}  // namespace typedao_it_composite_key

namespace typedao_it_composite_key {

TEST_CASE_METHOD(composite_fixture, "composite key: the table has a two-column primary key",
                 "[pg][composite]") {
  CHECK(value("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'tenants_pkey' "
              "AND connamespace = current_schema()::regnamespace") == "PRIMARY KEY (org, num)");
  CHECK(value("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'grants_pkey' "
              "AND connamespace = current_schema()::regnamespace") ==
        "PRIMARY KEY (user_id, group_id)");
  CHECK(labels() == "acme/1=acme-1:100:NULL,acme/2=acme-2:100:NULL,globex/1=globex-1:100:NULL");
}

TEST_CASE_METHOD(composite_fixture, "composite key: select by tuple and by entity",
                 "[pg][composite][select]") {
  auto r = tenants.select(tenant_key{"acme", 2});
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  CHECK((*r)->org == "acme");
  CHECK((*r)->num == 2);
  CHECK((*r)->label == "acme-2");
  CHECK((*r)->created_at != typedao::timestamp{});

  Tenant probe;
  probe.org = "globex";
  probe.num = 1;
  auto e = tenants.select(probe);
  REQUIRE_OK(e);
  REQUIRE(e->has_value());
  CHECK((*e)->label == "globex-1");

  // Both parts must match.
  auto miss1 = tenants.select(tenant_key{"acme", 3});
  auto miss2 = tenants.select(tenant_key{"globex", 2});
  REQUIRE_OK(miss1);
  REQUIRE_OK(miss2);
  CHECK_FALSE(miss1->has_value());
  CHECK_FALSE(miss2->has_value());
}

TEST_CASE_METHOD(composite_fixture, "composite key: update changes exactly one row",
                 "[pg][composite][update]") {
  auto before = tenants.select(tenant_key{"acme", 1});
  REQUIRE_OK(before);
  auto r = tenants.update(tenant_key{"acme", 1}, set<&Tenant::label>("renamed"),
                          set<&Tenant::note>("n"));
  REQUIRE_OK(r);
  CHECK(r->org == "acme");
  CHECK(r->num == 1);
  CHECK(r->label == "renamed");
  CHECK(r->note == std::optional<std::string>("n"));
  CHECK(r->quota == 100);
  CHECK(r->updated_at > (*before)->updated_at);
  CHECK(labels() == "acme/1=renamed:100:n,acme/2=acme-2:100:NULL,globex/1=globex-1:100:NULL");
}

TEST_CASE_METHOD(composite_fixture,
                 "composite key: update of a missing key is NOT_FOUND with every key part",
                 "[pg][composite][update][errors]") {
  const auto before = labels();
  auto r = tenants.update(tenant_key{"acme", 9}, set<&Tenant::label>("x"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::not_found);
  CHECK(r.error().message == "could not find the entity with primary key '{num=9,org=\"acme\"}'");
  CHECK(r.error().fields == std::vector<typedao::field_detail>{{"org", "acme"}, {"num", "9"}});
  CHECK(labels() == before);
}

TEST_CASE_METHOD(composite_fixture,
                 "composite key: upsert creates and fully replaces, and the key argument wins",
                 "[pg][composite][upsert]") {
  // create
  auto c = tenants.upsert(tenant_key{"initech", 7}, {.label = "new", .quota = 5});
  REQUIRE_OK(c);
  CHECK(c->org == "initech");
  CHECK(c->num == 7);
  CHECK(c->quota == 5);
  // replace: members not given are reset, key members of the entity are ignored
  auto orig = tenants.select(tenant_key{"acme", 1});
  REQUIRE_OK(orig);
  REQUIRE(tenants.update(tenant_key{"acme", 1}, set<&Tenant::note>("will be reset"),
                         set<&Tenant::quota>(1)));
  auto r =
      tenants.upsert(tenant_key{"acme", 1}, {.org = "ignored", .num = 42, .label = "replaced"});
  REQUIRE_OK(r);
  CHECK(r->org == "acme");
  CHECK(r->num == 1);
  CHECK(r->label == "replaced");
  CHECK(r->note == std::nullopt);
  CHECK(r->quota == 100);
  CHECK(r->created_at == (*orig)->created_at);
  CHECK(count("tenants") == 4);
  CHECK(labels() ==
        "acme/1=replaced:100:NULL,acme/2=acme-2:100:NULL,globex/1=globex-1:100:NULL,initech/"
        "7=new:5:NULL");
}

TEST_CASE_METHOD(composite_fixture, "composite key: remove by tuple and by entity, idempotent",
                 "[pg][composite][remove]") {
  REQUIRE_OK(tenants.remove(tenant_key{"acme", 1}));
  REQUIRE_OK(tenants.remove(tenant_key{"acme", 1}));
  REQUIRE_OK(tenants.remove(tenant_key{"nobody", 1}));
  CHECK(labels() == "acme/2=acme-2:100:NULL,globex/1=globex-1:100:NULL");
  Tenant t;
  t.org = "globex";
  t.num = 1;
  REQUIRE_OK(tenants.remove(t));
  CHECK(labels() == "acme/2=acme-2:100:NULL");
}

TEST_CASE_METHOD(composite_fixture, "composite key: PRIMARY_KEY_VIOLATION names every key part",
                 "[pg][composite][errors]") {
  const auto before = labels();
  auto r = tenants.insert({.org = "acme", .num = 2, .label = "dup"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::primary_key_violation);
  CHECK(r.error().message == "primary key violation on key '{num=2,org=\"acme\"}'");
  CHECK(r.error().server.constraint == "tenants_pkey");
  CHECK(labels() == before);
}

TEST_CASE_METHOD(composite_fixture, "composite uuid key: nil parts are generated on insert",
                 "[pg][composite][insert]") {
  auto r = grants.insert({.role = "admin"});
  REQUIRE_OK(r);
  CHECK_FALSE(r->group_id.is_nil());
  CHECK_FALSE(r->user_id.is_nil());
  CHECK(r->group_id != r->user_id);
  const auto user = typedao::generate_uuid();
  auto s = grants.insert({.group_id = r->group_id, .user_id = user, .role = "viewer"});
  REQUIRE_OK(s);
  CHECK(s->group_id == r->group_id);
  CHECK(s->user_id == user);
  CHECK(count("grants") == 2);

  // The key tuple follows the declared order: (user_id, group_id).
  auto back = grants.select(std::tuple{user, r->group_id});
  REQUIRE_OK(back);
  REQUIRE(back->has_value());
  CHECK((*back)->role == "viewer");
  auto swapped = grants.select(std::tuple{r->group_id, user});
  REQUIRE_OK(swapped);
  CHECK_FALSE(swapped->has_value());
}

TEST_CASE_METHOD(composite_fixture, "composite uuid key: nil parts are INVALID_PRIMARY_KEY",
                 "[pg][composite][errors]") {
  const auto u = typedao::generate_uuid();
  auto one = grants.select(std::tuple{typedao::uuid{}, u});
  REQUIRE_FALSE(one);
  CHECK(one.error().code == typedao::error_code::invalid_primary_key);
  CHECK(one.error().message == "invalid primary key: '{user_id=\"missing primary key\"}'");
  auto both = grants.remove(std::tuple{typedao::uuid{}, typedao::uuid{}});
  REQUIRE_FALSE(both);
  CHECK(
      both.error().message ==
      "invalid primary key: '{group_id=\"missing primary key\",user_id=\"missing primary key\"}'");
}

TEST_CASE_METHOD(composite_fixture, "foreign<> to a composite key: two columns and one constraint",
                 "[pg][composite][fk]") {
  CHECK(
      value(
          "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM "
          "information_schema.columns WHERE table_schema = current_schema() AND table_name = "
          "'seats'") == "id uuid, tenant_org text, tenant_num integer, name text");
  CHECK(
      value(
          "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'seats_tenant_fkey' "
          "AND connamespace = current_schema()::regnamespace") ==
      "FOREIGN KEY (tenant_org, tenant_num) REFERENCES tenants(org, num) ON DELETE RESTRICT");

  auto s = seats.insert({.tenant = tenant_key{"acme", 2}, .name = "s1"});
  REQUIRE_OK(s);
  CHECK(s->tenant.key() == tenant_key{"acme", 2});
  CHECK(value("SELECT tenant_org || '/' || tenant_num FROM seats") == "acme/2");
  auto back = seats.select_by<&Seat::name>("s1");
  REQUIRE_OK(back);
  REQUIRE(back->has_value());
  CHECK((*back)->tenant.key() == tenant_key{"acme", 2});

  // From a whole parent entity.
  auto parent = tenants.select(tenant_key{"globex", 1});
  REQUIRE_OK(parent);
  auto s2 = seats.insert({.tenant = **parent, .name = "s2"});
  REQUIRE_OK(s2);
  CHECK(s2->tenant.key() == tenant_key{"globex", 1});

  // Move to another parent.
  auto moved = seats.update(s->id, set<&Seat::tenant>(tenant_key{"acme", 1}));
  REQUIRE_OK(moved);
  CHECK(moved->tenant.key() == tenant_key{"acme", 1});
  CHECK(value("SELECT tenant_org || '/' || tenant_num FROM seats WHERE name = 's1'") == "acme/1");
}

TEST_CASE_METHOD(composite_fixture,
                 "foreign<> to a composite key: FOREIGN_KEY_VIOLATION renders the whole key",
                 "[pg][composite][fk][errors]") {
  // Each part exists on its own ("acme", and num 1), the pair ("acme", 9) does not.
  auto r = seats.insert({.tenant = tenant_key{"acme", 9}, .name = "s"});
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  CHECK(e.code == typedao::error_code::foreign_key_violation);
  CHECK(e.message ==
        "the foreign key '{num=9,org=\"acme\"}' does not reference an existing 'tenants' entity.");
  CHECK(e.fields ==
        std::vector<typedao::field_detail>{{"tenant.org", "acme"}, {"tenant.num", "9"}});
  CHECK(e.entity == "tenants");
  CHECK(e.server.constraint == "seats_tenant_fkey");
  CHECK(count("seats") == 0);
}

TEST_CASE_METHOD(composite_fixture, "foreign<> to a composite key: restrict and set_null on delete",
                 "[pg][composite][fk]") {
  REQUIRE_OK(seats.insert({.tenant = tenant_key{"acme", 1}, .name = "s"}));
  auto d = desks.insert({.tenant = typedao::foreign<Tenant>(tenant_key{"acme", 2}), .label = "d"});
  REQUIRE_OK(d);
  REQUIRE(d->tenant.has_value());
  CHECK(d->tenant->key() == tenant_key{"acme", 2});
  auto empty = desks.insert({.label = "unassigned"});
  REQUIRE_OK(empty);
  CHECK(empty->tenant == std::nullopt);

  auto refused = tenants.remove(tenant_key{"acme", 1});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == typedao::error_code::foreign_key_violation);
  CHECK(refused.error().message == "an existing 'seats' entity references this 'tenants' entity");
  CHECK(refused.error().fields == std::vector<typedao::field_detail>{{"@referenced_by", "seats"}});
  CHECK(count("tenants") == 3);

  REQUIRE_OK(tenants.remove(tenant_key{"acme", 2}));
  auto detached = desks.select(d->id);
  REQUIRE_OK(detached);
  REQUIRE(detached->has_value());
  CHECK((*detached)->tenant == std::nullopt);
  CHECK(value("SELECT (tenant_org IS NULL AND tenant_num IS NULL)::text FROM desks WHERE label = "
              "'d'") == "true");
}

}  // namespace typedao_it_composite_key
