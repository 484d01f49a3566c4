// expect: (typedao::entity: a constraint or index name <table>_<member>_fkey/_key/_idx would exceed.*constraint_name_too_long<Service, &Service::name_of_the_service_as_shown_to_operators|constraint_name_too_long<Service, &Service::name_of_the_service_as_shown_to_operators.*typedao::entity: a constraint or index name <table>_<member>_fkey/_key/_idx would exceed)
// A unique member whose constraint name services_<member>_key would pass PostgreSQL's 63-byte limit
// (PostgreSQL would truncate it, and UNIQUE_VIOLATION could no longer name the member).
#include <typedao/core.hpp>

#include <optional>
#include <string>

struct Service {
  typedao::uuid id;
  std::optional<std::string> name_of_the_service_as_shown_to_operators_and_users;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name_of_the_service_as_shown_to_operators_and_users))
TYPEDAO_ENTITY(Service, "services",
               typedao::unique(&Service::name_of_the_service_as_shown_to_operators_and_users))

int main() { return static_cast<int>(typedao::sql::create_table<Service>().size()); }
