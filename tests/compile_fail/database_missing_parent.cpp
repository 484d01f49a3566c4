// expect: (typedao::database: an entity has a foreign<> to an entity that is not registered.*parent_not_registered<Route, &Route::service, Service|parent_not_registered<Route, &Route::service, Service.*typedao::database: an entity has a foreign<> to an entity that is not registered)
// database<> lists a child but not the parent its foreign<> references.
#include <typedao/typedao.hpp>

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

int main() { return static_cast<int>(typedao::database<Route>::schema_sql().size()); }
