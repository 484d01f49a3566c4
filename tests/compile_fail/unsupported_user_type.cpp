// expect: (typedao::entity: the member's type has no codec.*unsupported_member_type<Marker, &Marker::where, std::optional<Point>|unsupported_member_type<Marker, &Marker::where, std::optional<Point>.*typedao::entity: the member's type has no codec)
// A member of a user type without a typedao::customize::codec specialisation (also inside std::optional).
#include <typedao/core.hpp>

#include <optional>

struct Point {
  double x;
  double y;
};

struct Marker {
  typedao::uuid id;
  std::optional<Point> where;
};
BOOST_DESCRIBE_STRUCT(Marker, (), (id, where))
TYPEDAO_ENTITY(Marker, "markers")

int main() { return static_cast<int>(typedao::sql::insert<Marker>().size()); }
