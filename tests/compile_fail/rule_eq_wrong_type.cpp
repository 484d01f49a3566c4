// expect: (typedao::rule: the rule's value does not have the member's type.*rule_value_type_mismatch<Service, &Service::protocol, typedao::detail::rule_eq<int>|rule_value_type_mismatch\(\) \[with Entity = Service. auto Member = &Service::protocol. Rule = rule_eq<int>.*typedao::rule: the rule's value does not have the member's type)
// eq() with an integer for a std::string member. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::eq(&Service::protocol, 1))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
