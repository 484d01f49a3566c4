// expect: (typedao::rule: contains needs an array or set member.*rule_needs_sequence<Service, &Service::tags, typedao::detail::rule_contains<int>|rule_needs_sequence\(\) \[with Entity = Service. auto Member = &Service::tags. Rule = rule_contains<int>.*typedao::rule: contains needs an array or set member)
// contains() with an integer on an array of strings. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::contains(&Service::tags, 1))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
