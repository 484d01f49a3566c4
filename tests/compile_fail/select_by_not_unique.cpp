// expect: (typedao::dao: ._by needs a unique member.*(unique_member_index<Service, &Service::host|T = Service. auto By = &Service::host)|(unique_member_index<Service, &Service::host|T = Service. auto By = &Service::host).*typedao::dao: ._by needs a unique member)
// select_by on a member that is neither unique nor the primary key.
#include <typedao/typedao.hpp>

#include <optional>
#include <string>

struct Service {
  typedao::uuid id;
  std::optional<std::string> name;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name, host))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

void find(typedao::database<Service>& db) {
  (void)db.dao<Service>().select_by<&Service::host>("example.com");
}

int main() {}
