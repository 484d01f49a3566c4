// expect: (typedao::foreign: the referenced type is not a declared entity .or not declared yet.*rules out cycles of foreign keys.*class [^ ]*typedao::foreign<KeySet>|class [^ ]*typedao::foreign<KeySet>.*typedao::foreign: the referenced type is not a declared entity .or not declared yet.*rules out cycles of foreign keys)
// A cycle of required foreign keys: Key references KeySet and KeySet references Key. In C++ the
// parent must be complete (described and declared) before a child can name it, so the cycle
// surfaces as a foreign<> to an entity that is not declared yet.
#include <typedao/core.hpp>

#include <string>

struct KeySet;

struct Key {
  typedao::uuid id;
  typedao::foreign<KeySet> set;
};
BOOST_DESCRIBE_STRUCT(Key, (), (id, set))
TYPEDAO_ENTITY(Key, "keys")

struct KeySet {
  typedao::uuid id;
  typedao::foreign<Key> primary;
};
BOOST_DESCRIBE_STRUCT(KeySet, (), (id, primary))
TYPEDAO_ENTITY(KeySet, "key_sets")

int main() { return static_cast<int>(typedao::sql::create_table<KeySet>().size()); }
