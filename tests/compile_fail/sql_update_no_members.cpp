// expect: (typedao::sql::update: nothing to change.*sql::update<Service>|sql::update\(\) .with T = Service.*typedao::sql::update: nothing to change)
// typedao::sql::update<T>() without members would be "UPDATE ... SET , ..." (invalid SQL).
#include <typedao/core.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host))
TYPEDAO_ENTITY(Service, "services")

int main() { return static_cast<int>(typedao::sql::update<Service>().size()); }
