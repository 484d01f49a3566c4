// expect: (typedao::elements: needs an array or set member.*rule_elements_need_sequence<Service, &Service::host|rule_elements_need_sequence\(\) \[with Entity = Service. auto Member = &Service::host.*typedao::elements: needs an array or set member)
// elements() on a std::string member: a string is not an array of elements.
#include <typedao/typedao.hpp>

#include <cstdint>
#include <string>
#include <vector>

struct Service {
  typedao::uuid id;
  std::string host;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host, tags))
TYPEDAO_ENTITY(Service, "services", typedao::elements(typedao::len_max(&Service::host, 3)))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
