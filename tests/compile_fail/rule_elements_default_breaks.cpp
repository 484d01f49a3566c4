// expect: (typedao::rule: the member's default value .its initialiser. breaks a rule declared for it.*default_breaks_rule<Upstream, &Upstream::weights|default_breaks_rule\(\) \[with Entity = Upstream. auto Member = &Upstream::weights.*typedao::rule: the member's default value .its initialiser. breaks a rule declared for it)
// An element of the default (a braced container initialiser) breaks the element rule. No
// std::string member: clang 16 with libstdc++ 12 cannot build one in a constant expression.
#include <typedao/typedao.hpp>

#include <cstdint>
#include <vector>

struct Upstream {
  typedao::uuid id;
  std::vector<std::int32_t> weights = {10, 500, 20};
};
BOOST_DESCRIBE_STRUCT(Upstream, (), (id, weights))
TYPEDAO_ENTITY(Upstream, "upstreams", typedao::between(&Upstream::weights, 0, 100))

void use(typedao::database<Upstream>& db) { (void)db.dao<Upstream>().insert(Upstream{}); }

int main() {}
