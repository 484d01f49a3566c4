// expect: (typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct.*constraint_member_of_another_struct<Certificate, &Consumer::username|constraint_member_of_another_struct<Certificate, &Consumer::username.*typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct)
// unique() names a member of another struct.
#include <typedao/core.hpp>

#include <string>

struct Consumer {
  typedao::uuid id;
  std::string username;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, username))
TYPEDAO_ENTITY(Consumer, "consumers", typedao::unique(&Consumer::username))

struct Certificate {
  typedao::uuid id;
  std::string cert;
};
BOOST_DESCRIBE_STRUCT(Certificate, (), (id, cert))
TYPEDAO_ENTITY(Certificate, "certificates", typedao::unique(&Consumer::username))

int main() { return static_cast<int>(typedao::sql::create_table<Certificate>().size()); }
