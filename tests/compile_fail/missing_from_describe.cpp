// expect: (typedao::entity: a member of the struct is missing from BOOST_DESCRIBE_STRUCT.*member_missing_from_describe<Upstream, 2, int|member_missing_from_describe<Upstream, 2, int.*typedao::entity: a member of the struct is missing from BOOST_DESCRIBE_STRUCT)
// A struct member left out of BOOST_DESCRIBE_STRUCT would silently never be stored; Boost.PFR
// counts the real members and typedao refuses the entity, naming it, the position and the type.
#include <typedao/core.hpp>

#include <cstdint>
#include <string>

struct Upstream {
  typedao::uuid id;
  std::string name;
  std::int32_t slots;  // forgotten below
};
BOOST_DESCRIBE_STRUCT(Upstream, (), (id, name))
TYPEDAO_ENTITY(Upstream, "upstreams")

int main() { return static_cast<int>(typedao::sql::insert<Upstream>().size()); }
