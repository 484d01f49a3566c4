// expect: (typedao::primary_key: declared twice.*primary_key_declared_twice<Tag|primary_key_declared_twice<Tag.*typedao::primary_key: declared twice)
// primary_key() declared twice.
#include <typedao/core.hpp>

#include <string>

struct Tag {
  std::string tag;
  std::string entity_name;
};
BOOST_DESCRIBE_STRUCT(Tag, (), (tag, entity_name))
TYPEDAO_ENTITY(Tag, "tags", typedao::primary_key(&Tag::tag),
               typedao::primary_key(&Tag::entity_name))

int main() { return static_cast<int>(typedao::sql::insert<Tag>().size()); }
