// expect: (typedao::foreign: the referenced type is not a declared entity.*class [^ ]*typedao::foreign<Snapshot>|class [^ ]*typedao::foreign<Snapshot>.*typedao::foreign: the referenced type is not a declared entity)
// foreign<> to a type that is not an entity (described, but never declared with TYPEDAO_ENTITY).
#include <typedao/core.hpp>

#include <string>

struct Snapshot {
  typedao::uuid id;
  std::string payload;
};
BOOST_DESCRIBE_STRUCT(Snapshot, (), (id, payload))

struct Target {
  typedao::uuid id;
  typedao::foreign<Snapshot> snapshot;
};
BOOST_DESCRIBE_STRUCT(Target, (), (id, snapshot))
TYPEDAO_ENTITY(Target, "targets")

int main() { return static_cast<int>(typedao::sql::create_table<Target>().size()); }
