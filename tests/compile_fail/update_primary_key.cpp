// expect: (typedao::update: a primary key member cannot be changed.*settable_member_index.*set_t<&Service::id|settable_member_index.*set_t<&Service::id.*typedao::update: a primary key member cannot be changed)
// update() may not change a primary-key member.
#include <typedao/typedao.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host))
TYPEDAO_ENTITY(Service, "services")

void rekey(typedao::database<Service>& db, typedao::uuid k) {
  (void)db.dao<Service>().update(k, typedao::set<&Service::host>("a"),
                                 typedao::set<&Service::id>(typedao::uuid{}));
}

int main() {}
