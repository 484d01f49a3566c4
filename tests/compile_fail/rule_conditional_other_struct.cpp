// expect: (typedao::rule: an entity rule or conditional names a member that is not a described member of this entity.*entity_rule_member_not_described<Service, &Route::priority|entity_rule_member_not_described\(\) \[with Entity = Service. auto Member = &Route::priority.*typedao::rule: an entity rule or conditional names a member that is not a described member of this entity)
// conditional() whose second rule names a member of another struct (Route::priority). The
// entity's own constraint check does not look inside a conditional: the rule check names it.
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
  std::string protocol = "http";
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, protocol, port))
TYPEDAO_ENTITY(Service, "services",
               typedao::conditional(typedao::eq(&Service::protocol, "tcp"),
                                    typedao::eq(&Route::priority, 1)))

void use(typedao::database<Service, Route>& db) { (void)db.dao<Service>().insert(Service{}); }

int main() {}
