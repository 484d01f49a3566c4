// expect: (include <typedao/json.hpp>.*member_needs_json<Route, &Route::limits, std::optional<Limits>|member_needs_json<Route, &Route::limits, std::optional<Limits>.*include <typedao/json.hpp>)
// A described record member is stored as jsonb, which needs <typedao/json.hpp>: without it the
// error says so, naming the entity, the member and its type.
#include <typedao/core.hpp>

#include <cstdint>
#include <optional>

struct Limits {
  std::int32_t per_second = 10;
  std::int32_t burst = 20;
};
BOOST_DESCRIBE_STRUCT(Limits, (), (per_second, burst))

struct Route {
  typedao::uuid id;
  std::optional<Limits> limits;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, limits))
TYPEDAO_ENTITY(Route, "routes")

int main() { return static_cast<int>(typedao::sql::insert<Route>().size()); }
