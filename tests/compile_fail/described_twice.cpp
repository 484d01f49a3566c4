// expect: (typedao::entity: BOOST_DESCRIBE_STRUCT lists a member twice.*member_described_twice<Upstream, 2, int|member_described_twice<Upstream, 2, int.*typedao::entity: BOOST_DESCRIBE_STRUCT lists a member twice)
// A member listed twice takes the place of another, which would silently never be stored (the
// member count alone cannot see it): typedao refuses the entity, naming the position and type.
#include <typedao/core.hpp>

#include <cstdint>
#include <string>

struct Upstream {
  typedao::uuid id;
  std::int32_t slots;
  std::int32_t weight;  // never described: slots takes its place
};
BOOST_DESCRIBE_STRUCT(Upstream, (), (id, slots, slots))
TYPEDAO_ENTITY(Upstream, "upstreams")

int main() { return static_cast<int>(typedao::sql::insert<Upstream>().size()); }
