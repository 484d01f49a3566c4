// expect: (typedao::one_of and not_one_of: all values must have the same type.*rule_values_mixed<Service, &Service::protocol, typedao::detail::rule_mixed_values<true>|rule_values_mixed\(\) \[with Entity = Service. auto Member = &Service::protocol. Rule = rule_mixed_values<true>.*typedao::one_of and not_one_of: all values must have the same type)
// one_of() mixing a string and a number. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::one_of(&Service::protocol, "http", 1))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
