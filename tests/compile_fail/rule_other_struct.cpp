// expect: (typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct.*constraint_member_of_another_struct<Service, &Route::priority|constraint_member_of_another_struct<Service, &Route::priority.*typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct)
// A field rule in Service's declaration names a member of another struct (Route::priority).
#include <typedao/typedao.hpp>

#include <cstdint>
#include <string>

struct Route {
  typedao::uuid id;
  std::int32_t priority = 0;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, priority))
TYPEDAO_ENTITY(Route, "routes")

struct Service {
  typedao::uuid id;
  std::string host;
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host, port))
TYPEDAO_ENTITY(Service, "services", typedao::between(&Route::priority, 0, 10))

void use(typedao::database<Service, Route>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
