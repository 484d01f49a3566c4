// Users of Boost.UUID include <boost/uuid/uuid_io.hpp> all the time. It declares
// boost::uuids::to_string(uuid), which argument-dependent lookup finds beside typedao::to_string:
// typedao must call its own unambiguously, whichever header comes first. This file includes
// uuid_io.hpp first (the order that broke the build); the integration tests include it after.

// clang-format off
#include <boost/uuid/uuid_io.hpp>
#include <typedao/typedao.hpp>
// clang-format on

#include <catch2/catch.hpp>

#include <string>

namespace uuid_io_test {

struct Parent {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Parent, (), (id, name))
TYPEDAO_ENTITY(Parent, "uuid_io_parents")

struct Child {
  typedao::uuid id;
  typedao::foreign<Parent> parent;
  typedao::uuid token;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Child, (), (id, parent, token, name))
TYPEDAO_ENTITY(Child, "uuid_io_children",
               typedao::cache_key(&Child::parent, &Child::token, &Child::name))

}  // namespace uuid_io_test

using namespace uuid_io_test;

TEST_CASE("uuid_io.hpp included first: cache_key and rendering use typedao's to_string",
          "[uuid][cache_key]") {
  const auto p = *typedao::parse_uuid("0b7f5b2c-5d1a-4f4e-9a53-2b8d1e7c9a10");
  const auto t = *typedao::parse_uuid("ffffffff-0000-4000-8000-00000000000a");
  Child c;
  c.parent = Parent{p, "x"};
  c.token = t;
  c.name = "n:1";
  using child_dao = typedao::dao<Child, typedao::pg::connection>;
  CHECK(child_dao::cache_key(c) ==
        "uuid_io_children:0b7f5b2c-5d1a-4f4e-9a53-2b8d1e7c9a10:ffffffff-0000-4000-8000-"
        "00000000000a:n%3A1:::");
  // Both spellings agree, and the user's unqualified call still reaches Boost's.
  CHECK(typedao::to_string(p) == boost::uuids::to_string(p));
  // Messages render uuids through the codec.
  CHECK(typedao::detail::render(p) == "\"0b7f5b2c-5d1a-4f4e-9a53-2b8d1e7c9a10\"");
}
