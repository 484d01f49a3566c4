// expect: typedao::async_dao::update: changing an immutable member or a member of an entity rule needs the stored row
// The asynchronous DAO's update does not yet read, check and write in one transaction: an update
// of an immutable member is refused at compile time with a message that says what to use.
#include <typedao/async.hpp>
#include <typedao/typedao.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host))
TYPEDAO_ENTITY(Service, "services", typedao::immutable(&Service::host))

void change(typedao::pg::async_connection& c, typedao::uuid k) {
  typedao::async_dao<Service> d(c);
  d.update(k, typedao::set<&Service::host>("a"), [](typedao::result<Service>) {});
}

int main() {}
