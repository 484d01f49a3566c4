// expect: (typedao::dao: ._by needs a unique member.*(unique_member_index<Service, &Service::host|T = Service. auto By = &Service::host)|(unique_member_index<Service, &Service::host|T = Service. auto By = &Service::host).*typedao::dao: ._by needs a unique member)
// update_by on a member that is neither unique nor the primary key.
#include <typedao/typedao.hpp>

#include <cstdint>
#include <optional>
#include <string>

struct Service {
  typedao::uuid id;
  std::optional<std::string> name;
  std::string host;
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name, host, port))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

void move(typedao::database<Service>& db) {
  (void)db.dao<Service>().update_by<&Service::host>("example.com",
                                                    typedao::set<&Service::port>(8080));
}

int main() {}
