// expect: (typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct.*constraint_member_of_another_struct<Tag, &Workspace::name|constraint_member_of_another_struct<Tag, &Workspace::name.*typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct)
// primary_key() names a member of another struct.
#include <typedao/core.hpp>

#include <string>

struct Workspace {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Workspace, (), (id, name))
TYPEDAO_ENTITY(Workspace, "workspaces")

struct Tag {
  std::string tag;
  std::string entity_name;
};
BOOST_DESCRIBE_STRUCT(Tag, (), (tag, entity_name))
TYPEDAO_ENTITY(Tag, "tags", typedao::primary_key(&Tag::tag, &Workspace::name))

int main() { return static_cast<int>(typedao::sql::create_table<Tag>().size()); }
