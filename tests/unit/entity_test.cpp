// The compile-time entity model (entity.hpp), without a database: columns (names, types,
// nullability, roles), keys, unique flags, on_delete, key_t, key_of and foreign<> conversions.
// Almost everything here is a constant, so most checks are STATIC_REQUIRE (static_assert).

#include <typedao/core.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace entity_test {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string host;
  std::int32_t port = 80;
  std::optional<std::int64_t> retries;
  bool enabled = true;
  double weight = 1.0;
  std::int16_t priority = 0;
  float ratio = 0;
};
BOOST_DESCRIBE_STRUCT(Service, (),
                      (id, created_at, updated_at, name, host, port, retries, enabled, weight,
                       priority, ratio))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name),
               typedao::unique(&Service::host))

struct Plugin {
  typedao::uuid id;
  std::string name;
  typedao::foreign<Service> service;
  std::optional<typedao::foreign<Service>> fallback;
  typedao::foreign<Service> owner;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, name, service, fallback, owner))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::service, typedao::cascade),
               typedao::on_delete(&Plugin::fallback, typedao::set_null))

// Composite key declared in an order different from the members'.
struct Membership {
  std::string role;
  std::int64_t user = 0;
  std::string group;
};
BOOST_DESCRIBE_STRUCT(Membership, (), (role, user, group))
TYPEDAO_ENTITY(Membership, "memberships",
               typedao::primary_key(&Membership::group, &Membership::user))

struct Grant {
  std::string id;
  typedao::foreign<Membership> member;
  std::optional<typedao::foreign<Membership>> delegate;
};
BOOST_DESCRIBE_STRUCT(Grant, (), (id, member, delegate))
TYPEDAO_ENTITY(Grant, "grants")

// created_at / updated_at roles only for a typedao::timestamp member of exactly that name.
struct Audit {
  std::int64_t id = 0;
  std::string created_at;                        // not a timestamp: a plain column
  std::optional<typedao::timestamp> updated_at;  // nullable: a plain column
  typedao::timestamp seen_at;
};
BOOST_DESCRIBE_STRUCT(Audit, (), (id, created_at, updated_at, seen_at))
TYPEDAO_ENTITY(Audit, "audits")

struct Described {
  int id;
};
BOOST_DESCRIBE_STRUCT(Described, (), (id))

struct Plain {
  int id;
};

}  // namespace entity_test

using namespace entity_test;
using typedao::detail::column_role;
using typedao::detail::model;
using typedao::detail::npos;

TEST_CASE("entity: the concept needs BOOST_DESCRIBE_STRUCT and TYPEDAO_ENTITY", "[unit][entity]") {
  STATIC_REQUIRE(typedao::entity<Service>);
  STATIC_REQUIRE(typedao::entity<Membership>);
  STATIC_REQUIRE_FALSE(typedao::entity<Described>);
  STATIC_REQUIRE_FALSE(typedao::entity<Plain>);
  STATIC_REQUIRE_FALSE(typedao::entity<int>);
  STATIC_REQUIRE_FALSE(typedao::entity<std::string>);
}

TEST_CASE("entity: table, members and their names", "[unit][entity]") {
  using M = model<Service>;
  STATIC_REQUIRE(M::table == "services");
  STATIC_REQUIRE(M::member_count == 11);
  STATIC_REQUIRE(M::column_count == 11);
  STATIC_REQUIRE(M::member_names[0] == "id");
  STATIC_REQUIRE(M::member_names[3] == "name");
  STATIC_REQUIRE(M::member_names[10] == "ratio");
  STATIC_REQUIRE(typedao::detail::index_of_member<Service>(&Service::port) == 5);
  STATIC_REQUIRE(typedao::detail::index_of_name<Service>("host") == 4);
  STATIC_REQUIRE(typedao::detail::index_of_name<Service>("nope") == npos);
}

TEST_CASE("entity: column names, SQL types, oids and nullability", "[unit][entity]") {
  using M = model<Service>;
  struct expected {
    std::string_view name;
    std::string_view sql_type;
    typedao::oid_t oid;
    bool nullable;
  };
  constexpr expected want[] = {
      {"id", "uuid", 2950, false},
      {"created_at", "timestamptz", 1184, false},
      {"updated_at", "timestamptz", 1184, false},
      {"name", "text", 25, true},
      {"host", "text", 25, false},
      {"port", "integer", 23, false},
      {"retries", "bigint", 20, true},
      {"enabled", "boolean", 16, false},
      {"weight", "double precision", 701, false},
      {"priority", "smallint", 21, false},
      {"ratio", "real", 700, false},
  };
  STATIC_REQUIRE(std::size(want) == M::column_count);
  for (std::size_t i = 0; i < M::column_count; ++i) {
    INFO("column " << i);
    CHECK(M::columns[i].name == want[i].name);
    CHECK(M::columns[i].sql_type == want[i].sql_type);
    CHECK(M::columns[i].oid == want[i].oid);
    CHECK(M::columns[i].nullable == want[i].nullable);
    CHECK(M::columns[i].member == i);
    CHECK(M::columns[i].primary == (i == 0));
  }
  STATIC_REQUIRE(M::columns[6].nullable);
  STATIC_REQUIRE_FALSE(M::columns[5].nullable);
}

TEST_CASE("entity: created_at and updated_at roles", "[unit][entity]") {
  using M = model<Service>;
  STATIC_REQUIRE(M::columns[1].role == column_role::created_at);
  STATIC_REQUIRE(M::columns[2].role == column_role::updated_at);
  STATIC_REQUIRE(M::columns[0].role == column_role::plain);
  STATIC_REQUIRE(M::columns[3].role == column_role::plain);
  STATIC_REQUIRE(M::has_created_at);
  STATIC_REQUIRE(M::has_updated_at);

  using A = model<Audit>;
  STATIC_REQUIRE(A::columns[1].role == column_role::plain);  // std::string created_at
  STATIC_REQUIRE(A::columns[2].role == column_role::plain);  // std::optional<timestamp> updated_at
  STATIC_REQUIRE(A::columns[3].role == column_role::plain);  // timestamp seen_at
  STATIC_REQUIRE_FALSE(A::has_created_at);
  STATIC_REQUIRE_FALSE(A::has_updated_at);
  STATIC_REQUIRE(A::columns[2].nullable);

  STATIC_REQUIRE_FALSE(model<Membership>::has_created_at);
  STATIC_REQUIRE_FALSE(model<Membership>::has_updated_at);
}

TEST_CASE("entity: unique flags", "[unit][entity]") {
  using M = model<Service>;
  STATIC_REQUIRE(M::unique[3]);        // name
  STATIC_REQUIRE(M::unique[4]);        // host
  STATIC_REQUIRE_FALSE(M::unique[0]);  // the key is not "unique" (it is the key)
  STATIC_REQUIRE_FALSE(M::unique[5]);
  for (std::size_t i = 0; i < model<Plugin>::member_count; ++i)
    CHECK_FALSE(model<Plugin>::unique[i]);
}

TEST_CASE("entity: primary key members and columns", "[unit][entity]") {
  // Default: the member named id.
  STATIC_REQUIRE(model<Service>::pk_member_indices.size() == 1);
  STATIC_REQUIRE(model<Service>::pk_member_indices[0] == 0);
  STATIC_REQUIRE(model<Service>::pk_column_count == 1);
  STATIC_REQUIRE(model<Service>::pk_columns[0] == 0);

  // Declared composite key: in declaration order (group, user), not member order.
  using M = model<Membership>;
  STATIC_REQUIRE(M::pk_member_indices.size() == 2);
  STATIC_REQUIRE(M::pk_member_indices[0] == 2);
  STATIC_REQUIRE(M::pk_member_indices[1] == 1);
  STATIC_REQUIRE(M::pk_column_count == 2);
  STATIC_REQUIRE(M::columns[M::pk_columns[0]].name == "group");
  STATIC_REQUIRE(M::columns[M::pk_columns[1]].name == "user");
  STATIC_REQUIRE_FALSE(M::columns[0].primary);  // role
  STATIC_REQUIRE(M::columns[1].primary);
  STATIC_REQUIRE(M::columns[2].primary);
}

TEST_CASE("entity: foreign members map to one column per parent key column", "[unit][entity]") {
  using P = model<Plugin>;
  STATIC_REQUIRE(P::column_count == 5);
  STATIC_REQUIRE(P::columns[2].name == "service_id");
  STATIC_REQUIRE(P::columns[2].sql_type == "uuid");
  STATIC_REQUIRE(P::columns[2].oid == 2950);
  STATIC_REQUIRE_FALSE(P::columns[2].nullable);
  STATIC_REQUIRE(P::columns[3].name == "fallback_id");
  STATIC_REQUIRE(P::columns[3].nullable);
  STATIC_REQUIRE(P::columns[4].name == "owner_id");
  STATIC_REQUIRE(typedao::detail::member_is_foreign<Plugin, 2>);
  STATIC_REQUIRE(typedao::detail::member_is_foreign<Plugin, 3>);
  STATIC_REQUIRE_FALSE(typedao::detail::member_is_foreign<Plugin, 1>);

  // To a composite-key parent: <member>_<key column> in the parent's key order.
  using G = model<Grant>;
  STATIC_REQUIRE(G::member_count == 3);
  STATIC_REQUIRE(G::column_count == 5);
  STATIC_REQUIRE(G::columns[1].name == "member_group");
  STATIC_REQUIRE(G::columns[1].sql_type == "text");
  STATIC_REQUIRE(G::columns[1].member == 1);
  STATIC_REQUIRE(G::columns[1].sub == 0);
  STATIC_REQUIRE(G::columns[2].name == "member_user");
  STATIC_REQUIRE(G::columns[2].sql_type == "bigint");
  STATIC_REQUIRE(G::columns[2].sub == 1);
  STATIC_REQUIRE(G::columns[3].name == "delegate_group");
  STATIC_REQUIRE(G::columns[3].nullable);
  STATIC_REQUIRE(G::columns[4].name == "delegate_user");
  STATIC_REQUIRE(G::columns[4].nullable);
  STATIC_REQUIRE(G::member_first_column[0] == 0);
  STATIC_REQUIRE(G::member_first_column[1] == 1);
  STATIC_REQUIRE(G::member_first_column[2] == 3);
  STATIC_REQUIRE(typedao::detail::member_column_count<Grant, 1>() == 2);
}

TEST_CASE("entity: on_delete actions, restrict by default", "[unit][entity]") {
  using P = model<Plugin>;
  STATIC_REQUIRE(P::on_delete[2] == typedao::on_delete_action::cascade);
  STATIC_REQUIRE(P::on_delete[3] == typedao::on_delete_action::set_null);
  STATIC_REQUIRE(P::on_delete[4] == typedao::on_delete_action::restrict);
  STATIC_REQUIRE(model<Grant>::on_delete[1] == typedao::on_delete_action::restrict);
  STATIC_REQUIRE(typedao::restrict == typedao::on_delete_action::restrict);
  STATIC_REQUIRE(typedao::cascade == typedao::on_delete_action::cascade);
  STATIC_REQUIRE(typedao::set_null == typedao::on_delete_action::set_null);
}

TEST_CASE("entity: key_t and key_of for single and composite keys", "[unit][entity]") {
  STATIC_REQUIRE(std::is_same_v<typedao::key_t<Service>, typedao::uuid>);
  STATIC_REQUIRE(std::is_same_v<typedao::key_t<Audit>, std::int64_t>);
  STATIC_REQUIRE(std::is_same_v<typedao::key_t<Grant>, std::string>);
  // Composite: a tuple in the declared key order.
  STATIC_REQUIRE(std::is_same_v<typedao::key_t<Membership>, std::tuple<std::string, std::int64_t>>);

  Service s;
  s.id = typedao::uuid{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  CHECK(typedao::key_of(s) == s.id);

  Membership m{"admin", 42, "ops"};
  CHECK(typedao::key_of(m) == std::tuple<std::string, std::int64_t>{"ops", 42});
}

TEST_CASE("entity: foreign<> converts from the parent and from its key", "[unit][entity]") {
  STATIC_REQUIRE(std::is_same_v<typedao::foreign<Service>::parent_type, Service>);
  STATIC_REQUIRE(std::is_same_v<typedao::foreign<Service>::key_type, typedao::uuid>);
  STATIC_REQUIRE(std::is_same_v<typedao::foreign<Membership>::key_type,
                                std::tuple<std::string, std::int64_t>>);
  // The key type may be spelled out when it matches.
  STATIC_REQUIRE(std::is_same_v<typedao::foreign<Service, typedao::uuid>::key_type, typedao::uuid>);
  STATIC_REQUIRE(std::is_convertible_v<const Service&, typedao::foreign<Service>>);
  STATIC_REQUIRE(std::is_convertible_v<typedao::uuid, typedao::foreign<Service>>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::int64_t, typedao::foreign<Service>>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<const Plugin&, typedao::foreign<Service>>);

  Service s;
  s.id = typedao::uuid{{0xa1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

  typedao::foreign<Service> by_default;
  CHECK(by_default.key().is_nil());

  typedao::foreign<Service> from_parent = s;
  CHECK(from_parent.key() == s.id);

  typedao::foreign<Service> from_key = s.id;
  CHECK(from_key.key() == s.id);
  CHECK(from_key == from_parent);
  CHECK_FALSE(from_key == by_default);

  from_key.key() = typedao::uuid{};
  CHECK(from_key == by_default);

  // In an aggregate: designated initialisers take a parent or a key.
  Plugin p{.name = "key-auth", .service = s, .fallback = s.id};
  CHECK(p.service.key() == s.id);
  REQUIRE(p.fallback.has_value());
  CHECK(p.fallback->key() == s.id);
  CHECK(p.owner.key().is_nil());

  // Composite parent.
  Membership m{"admin", 7, "ops"};
  typedao::foreign<Membership> fm = m;
  CHECK(fm.key() == std::tuple<std::string, std::int64_t>{"ops", 7});
  typedao::foreign<Membership> fk = std::tuple<std::string, std::int64_t>{"ops", 7};
  CHECK(fk == fm);
}
