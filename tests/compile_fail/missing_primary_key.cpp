// expect: (typedao::entity: no primary key. Add a member named id.*entity_without_primary_key<Vault|entity_without_primary_key<Vault.*typedao::entity: no primary key. Add a member named id)
// No member named id and no primary_key().
#include <typedao/core.hpp>

#include <string>

struct Vault {
  std::string prefix;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Vault, (), (prefix, name))
TYPEDAO_ENTITY(Vault, "vaults", typedao::unique(&Vault::prefix))

int main() { return static_cast<int>(typedao::sql::insert<Vault>().size()); }
