// expect: (describe the enum with BOOST_DESCRIBE_ENUM.*enum_member_not_described<Paint, &Paint::shade, color|enum_member_not_described<Paint, &Paint::shade, color.*describe the enum with BOOST_DESCRIBE_ENUM)
// An enum member without BOOST_DESCRIBE_ENUM has no codec: enums are stored as their enumerators'
// names, which only a described enum has.
#include <typedao/core.hpp>

enum class color { red, green };

struct Paint {
  typedao::uuid id;
  color shade = color::red;
};
BOOST_DESCRIBE_STRUCT(Paint, (), (id, shade))
TYPEDAO_ENTITY(Paint, "paints")

int main() { return static_cast<int>(typedao::sql::insert<Paint>().size()); }
