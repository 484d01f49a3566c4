// expect: (typedao::distinct: the members must have the same type.*distinct_types_differ<Service, &Service::port|distinct_types_differ\(\) \[with Entity = Service. auto Member = &Service::port.*typedao::distinct: the members must have the same type)
// distinct() over members of different types. The message names the rule; the instantiation context names the
// entity and the member (g++ before the message, clang after it).
#include <typedao/typedao.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct Service {
  typedao::uuid id;
  std::optional<std::string> name;
  std::string protocol = "http";
  std::string host;
  std::int32_t port = 80;
  bool enabled = true;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name, protocol, host, port, enabled, tags))
TYPEDAO_ENTITY(Service, "services", typedao::distinct(&Service::host, &Service::port))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
