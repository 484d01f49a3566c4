// expect: (typedao::update: nothing to change.*(dao<Service, .*>::update<>|S = {}. T = Service)|(dao<Service, .*>::update<>|S = {}. T = Service).*typedao::update: nothing to change)
// update() with no set<...>() at all.
#include <typedao/typedao.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host))
TYPEDAO_ENTITY(Service, "services")

void touch(typedao::database<Service>& db, typedao::uuid k) { (void)db.dao<Service>().update(k); }

int main() {}
