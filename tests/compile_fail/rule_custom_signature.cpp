// expect: (typedao::custom: the predicate must be callable with the member's value and return bool.*rule_bad_predicate<Service, &Service::port, typedao::detail::rule_custom|rule_bad_predicate\(\) \[with Entity = Service. auto Member = &Service::port. Rule = rule_custom.*typedao::custom: the predicate must be callable with the member's value and return bool)
// custom() whose predicate takes a std::string, on an integer member. The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services",
               typedao::custom(
                   &Service::port, [](const std::string& s) { return s.empty(); }, "must be empty"))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
