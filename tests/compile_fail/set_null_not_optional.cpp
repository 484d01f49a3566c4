// expect: (typedao::on_delete: set_null needs a nullable foreign key.*set_null_member_not_optional<Route, &Route::service|set_null_member_not_optional<Route, &Route::service.*typedao::on_delete: set_null needs a nullable foreign key)
// on_delete(set_null) on a foreign key that cannot be NULL.
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
  std::string path;
  typedao::foreign<Service> service;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, path, service))
TYPEDAO_ENTITY(Route, "routes", typedao::on_delete(&Route::service, typedao::set_null))

int main() { return static_cast<int>(typedao::sql::create_table<Route>().size()); }
