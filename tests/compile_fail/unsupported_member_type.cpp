// expect: (typedao::entity: the member's type has no codec.*unsupported_member_type<Counter, &Counter::buckets, std::map<int, int>|unsupported_member_type<Counter, &Counter::buckets, std::map<int, int>.*typedao::entity: the member's type has no codec)
// A member whose type has no codec: std::map.
#include <typedao/core.hpp>

#include <map>

struct Counter {
  typedao::uuid id;
  std::map<int, int> buckets;
};
BOOST_DESCRIBE_STRUCT(Counter, (), (id, buckets))
TYPEDAO_ENTITY(Counter, "counters")

int main() { return static_cast<int>(typedao::sql::insert<Counter>().size()); }
