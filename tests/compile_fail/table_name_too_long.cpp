// expect: (typedao::entity: the table name must be 1 to 63 bytes.*model<Service>|model<Service>.*typedao::entity: the table name must be 1 to 63 bytes)
// A table name longer than PostgreSQL's 63-byte identifier limit (64 bytes here).
#include <typedao/core.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services_of_the_gateway_that_route_traffic_to_upstream_targets_x")

int main() { return static_cast<int>(typedao::sql::insert<Service>().size()); }
