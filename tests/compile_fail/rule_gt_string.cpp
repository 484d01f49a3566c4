// expect: (typedao::rule: gt and between need a numeric member.*rule_needs_number<Service, &Service::host, typedao::detail::rule_gt<int>|rule_needs_number\(\) \[with Entity = Service. auto Member = &Service::host. Rule = rule_gt<int>.*typedao::rule: gt and between need a numeric member)
// gt() on a std::string member. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::gt(&Service::host, 0))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
