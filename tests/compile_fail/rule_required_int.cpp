// expect: (typedao::required: needs a std::string, std::optional, array or set member.*rule_required_type<Service, &Service::port, typedao::detail::rule_required|rule_required_type\(\) \[with Entity = Service. auto Member = &Service::port. Rule = rule_required.*typedao::required: needs a std::string, std::optional, array or set member)
// required() on an integer member (it cannot be missing). The message names the rule; the instantiation context names the
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
TYPEDAO_ENTITY(Service, "services", typedao::required(&Service::port))

void use(typedao::database<Service>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
