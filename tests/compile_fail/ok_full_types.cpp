// Every member type of the full mapping in one entity compiles cleanly, including its DDL.
#include <typedao/core.hpp>
#include <typedao/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

enum class protocol { http, https };
BOOST_DESCRIBE_ENUM(protocol, http, https)

struct limits {
  std::int32_t burst = 1;
  std::optional<double> rate;
};
BOOST_DESCRIBE_STRUCT(limits, (), (burst, rate))

struct Everything {
  typedao::uuid id;
  typedao::bytes blob;
  typedao::date day;
  std::optional<typedao::numeric> price;
  protocol proto = protocol::http;
  std::vector<typedao::date> days;
  std::set<protocol> protocols;
  std::optional<std::vector<typedao::numeric>> prices;
  limits lim;
  std::vector<limits> tiers;
  std::map<std::string, std::int64_t> counters;
  typedao::json_value extra;
};
BOOST_DESCRIBE_STRUCT(Everything, (),
                      (id, blob, day, price, proto, days, protocols, prices, lim, tiers, counters,
                       extra))
TYPEDAO_ENTITY(Everything, "everything")

static_assert(typedao::sql::create_table<Everything>().find("\"prices\" numeric[],") !=
              std::string_view::npos);
static_assert(typedao::sql::create_table<Everything>().find("\"tiers\" jsonb[] NOT NULL") !=
              std::string_view::npos);

int main() { return static_cast<int>(typedao::sql::insert<Everything>().size() == 0); }
