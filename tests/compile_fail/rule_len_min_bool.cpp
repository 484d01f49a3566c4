// expect: (typedao::rule: len_eq, len_min and len_max need a string, array, set or map member.*rule_needs_length<Service, &Service::enabled, typedao::detail::rule_len_min|rule_needs_length\(\) \[with Entity = Service. auto Member = &Service::enabled. Rule = rule_len_min.*typedao::rule: len_eq, len_min and len_max need a string, array, set or map member)
// len_min() on a bool member. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::len_min(&Service::enabled, 1))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
