// expect: (typedao::primary_key: a key member cannot be std::optional or a foreign<> member.*primary_key_member_not_plain<Node, &Node::id|primary_key_member_not_plain<Node, &Node::id.*typedao::primary_key: a key member cannot be std::optional or a foreign<> member)
// A nullable primary key member.
#include <typedao/core.hpp>

#include <optional>
#include <string>

struct Node {
  std::optional<typedao::uuid> id;
  std::string hostname;
};
BOOST_DESCRIBE_STRUCT(Node, (), (id, hostname))
TYPEDAO_ENTITY(Node, "nodes")

int main() { return static_cast<int>(typedao::sql::insert<Node>().size()); }
