// <typedao/fwd.hpp> first, as a user's header would: its declarations must agree with the
// definitions included afterwards (a mismatch is a compile error here).
#include <typedao/fwd.hpp>

namespace fwd_user {
typedao::result<int> parse(const char* s);
struct holder {
  const typedao::page_options* options = nullptr;
  typedao::pg::connection* conn = nullptr;
};
}  // namespace fwd_user

#include <typedao/typedao.hpp>

#include <catch2/catch.hpp>

#include <type_traits>

namespace fwd_user {
typedao::result<int> parse(const char* s) {
  if (s == nullptr || *s == '\0')
    return typedao::detail::make_error(typedao::error_code::invalid_size, "empty");
  return static_cast<int>(*s - '0');
}
}  // namespace fwd_user

TEST_CASE("fwd.hpp: forward-declared names are the defined ones", "[unit][fwd]") {
  static_assert(std::is_same_v<typedao::result<int>, typedao::basic_result<int, typedao::error>>);
  CHECK(*fwd_user::parse("7") == 7);
  auto bad = fwd_user::parse("");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == typedao::error_code::invalid_size);
  typedao::page_options o;
  fwd_user::holder h{&o, nullptr};
  CHECK(h.options == &o);
}
