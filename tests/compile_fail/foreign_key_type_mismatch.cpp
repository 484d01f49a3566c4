// expect: (typedao::foreign: the key type does not match the primary key of the referenced entity.*class [^ ]*typedao::foreign<Service, long|class [^ ]*typedao::foreign<Service, long.*typedao::foreign: the key type does not match the primary key of the referenced entity)
// foreign<Service, std::int64_t> when Service's key is a uuid.
#include <typedao/core.hpp>

#include <cstdint>
#include <string>

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services")

struct Route {
  typedao::uuid id;
  typedao::foreign<Service, std::int64_t> service;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service))
TYPEDAO_ENTITY(Route, "routes")

int main() { return static_cast<int>(typedao::sql::create_table<Route>().size()); }
