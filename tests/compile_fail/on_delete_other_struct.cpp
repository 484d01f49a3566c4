// expect: (typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct.*constraint_member_of_another_struct<Plugin, &Route::service|constraint_member_of_another_struct<Plugin, &Route::service.*typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct)
// on_delete() names a foreign<> member of another struct.
#include <typedao/core.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services")

struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service))
TYPEDAO_ENTITY(Route, "routes")

struct Plugin {
  typedao::uuid id;
  typedao::foreign<Service> service;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, service))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Route::service, typedao::cascade))

int main() { return static_cast<int>(typedao::sql::create_table<Plugin>().size()); }
