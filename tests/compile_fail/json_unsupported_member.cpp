// expect: typedao::json: this type cannot be stored inside JSON
// A record (stored as jsonb) with a member whose type has no JSON mapping.
#include <typedao/json.hpp>

struct opaque {
  int handle = 0;
};

struct settings {
  std::string name;
  opaque resource;
};
BOOST_DESCRIBE_STRUCT(settings, (), (name, resource))

int main() {
  typedao::detail::param_set<1> ps;
  auto w = ps.writer(0);
  typedao::customize::codec<settings>::encode(settings{}, w);
  return 0;
}
