// expect: (typedao::rule: starts_with, match and not_match need a std::string member.*rule_needs_string<Service, &Service::port, typedao::detail::rule_starts_with|rule_needs_string\(\) \[with Entity = Service. auto Member = &Service::port. Rule = rule_starts_with.*typedao::rule: starts_with, match and not_match need a std::string member)
// starts_with() on an integer member. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::starts_with(&Service::port, "8"))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
