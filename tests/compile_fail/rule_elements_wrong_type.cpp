// expect: (typedao::rule: the rule's value does not have the member's type.*rule_value_type_mismatch<Service, &Service::ports|rule_value_type_mismatch\(\) \[with Entity = Service. auto Member = &Service::ports.*typedao::rule: the rule's value does not have the member's type)
// one_of with strings on an array of integers: checked against the element type.
#include <typedao/typedao.hpp>

#include <cstdint>
#include <vector>

struct Service {
  typedao::uuid id;
  std::vector<std::int32_t> ports;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, ports))
TYPEDAO_ENTITY(Service, "services", typedao::one_of(&Service::ports, "http", "https"))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
