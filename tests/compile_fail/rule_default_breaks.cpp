// expect: (typedao::rule: the member's default value .its initialiser. breaks a rule declared for it.*default_breaks_rule<Upstream, &Upstream::slots, typedao::detail::rule_between<int>|default_breaks_rule\(\) \[with Entity = Upstream. auto Member = &Upstream::slots. Rule = rule_between<int>.*typedao::rule: the member's default value .its initialiser. breaks a rule declared for it)
// A default member initialiser (70000) that breaks the member's rule (between 10 and 65536).
// Defaults are checked when the compiler can build the entity in a constant expression. This
// entity has no std::string member on purpose: clang 16 with libstdc++ 12 cannot build a
// std::string at compile time, so an entity with one is only checked by g++ (see
// rule_default_breaks_string.cpp). Without strings both compilers check, and this test expects
// the same message from both.
#include <typedao/typedao.hpp>

#include <cstdint>
#include <optional>

struct Upstream {
  typedao::uuid id;
  std::int32_t slots = 70000;
  std::optional<std::int32_t> retries;
};
BOOST_DESCRIBE_STRUCT(Upstream, (), (id, slots, retries))
TYPEDAO_ENTITY(Upstream, "upstreams", typedao::between(&Upstream::slots, 10, 65536),
               typedao::between(&Upstream::retries, 0, 32767))

void use(typedao::database<Upstream>& db) { (void)db.dao<Upstream>().insert(Upstream{}); }

int main() {}
