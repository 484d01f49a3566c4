// expect: (typedao::on_delete: the member is not a foreign<> member.*on_delete_member_not_foreign<Route, &Route::path|on_delete_member_not_foreign<Route, &Route::path.*typedao::on_delete: the member is not a foreign<> member)
// on_delete() on a member that is not a foreign<>.
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
TYPEDAO_ENTITY(Route, "routes", typedao::on_delete(&Route::path, typedao::cascade))

int main() { return static_cast<int>(typedao::sql::create_table<Route>().size()); }
