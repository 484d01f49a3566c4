// expect: (typedao::database::dao: the entity is not registered in this database.*(dao<Consumer>|T = Consumer)|(dao<Consumer>|T = Consumer).*typedao::database::dao: the entity is not registered in this database)
// db.dao<T>() for an entity the database does not list.
#include <typedao/typedao.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services")

struct Consumer {
  typedao::uuid id;
  std::string username;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, username))
TYPEDAO_ENTITY(Consumer, "consumers")

void f(typedao::database<Service>& db) { (void)db.dao<Consumer>(); }

int main() {}
