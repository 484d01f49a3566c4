#include <typedao/error.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao_ut_result {

using typedao::error;
using typedao::result;

namespace {

error make(typedao::error_code c, std::string msg) {
  error e;
  e.code = c;
  e.message = std::move(msg);
  return e;
}

// Counts live instances, so every construction is matched by one destruction.
struct counted {
  static inline int live = 0;
  int v = 0;
  counted() { ++live; }
  explicit counted(int x) : v(x) { ++live; }
  counted(const counted& o) : v(o.v) { ++live; }
  counted(counted&& o) noexcept : v(o.v) { ++live; }
  counted& operator=(const counted&) = default;
  counted& operator=(counted&&) = default;
  ~counted() { --live; }
};

}  // namespace

TEST_CASE("result: a value or an error", "[result]") {
  result<int> v = 42;
  REQUIRE(v);
  REQUIRE(v.has_value());
  REQUIRE_FALSE(v.has_error());
  REQUIRE(*v == 42);
  REQUIRE(v.value() == 42);

  result<int> e = make(typedao::error_code::not_found, "gone");
  REQUIRE_FALSE(e);
  REQUIRE(e.has_error());
  REQUIRE(e.error().code == typedao::error_code::not_found);
  REQUIRE(e.error().message == "gone");
}

TEST_CASE("result: default is a value-initialised T", "[result]") {
  result<int> r;
  REQUIRE(r);
  REQUIRE(*r == 0);
  result<std::optional<std::string>> o;
  REQUIRE(o);
  REQUIRE_FALSE(o->has_value());
}

TEST_CASE("result: error() is a reference, not a copy", "[result]") {
  result<std::string> e = make(typedao::error_code::database_error, "x");
  STATIC_REQUIRE(std::is_same_v<decltype(e.error()), error&>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::as_const(e).error()), const error&>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::move(e).error()), error&&>);
  REQUIRE(&e.error() == &e.error());
  e.error().message = "changed";
  REQUIRE(e.error().message == "changed");
  error taken = std::move(e).error();
  REQUIRE(taken.message == "changed");
}

TEST_CASE("result: value() throws typedao::exception holding the error", "[result]") {
  result<int> e =
      make(typedao::error_code::unique_violation, "UNIQUE violation detected on '{name=\"a\"}'");
  try {
    (void)e.value();
    FAIL("value() did not throw");
  } catch (const typedao::exception& x) {
    REQUIRE(x.error().code == typedao::error_code::unique_violation);
    REQUIRE(std::string(x.what()) == "[postgres] UNIQUE violation detected on '{name=\"a\"}'");
  }
  result<void> ev = make(typedao::error_code::not_found, "nope");
  REQUIRE_THROWS_AS(ev.value(), typedao::exception);
  result<void> ok;
  REQUIRE(ok);
  REQUIRE_NOTHROW(ok.value());
}

TEST_CASE("result: copy, move and assignment across value and error", "[result]") {
  counted::live = 0;
  {
    result<counted> a = counted(1);
    result<counted> b = make(typedao::error_code::not_found, "b");
    REQUIRE(counted::live == 1);

    result<counted> c = a;  // copy of a value
    REQUIRE(c->v == 1);
    REQUIRE(counted::live == 2);

    c = b;  // value <- error
    REQUIRE(c.has_error());
    REQUIRE(c.error().message == "b");
    REQUIRE(counted::live == 1);

    c = a;  // error <- value
    REQUIRE(c->v == 1);
    REQUIRE(counted::live == 2);

    result<counted> d = std::move(b);  // move of an error
    REQUIRE(d.error().message == "b");
    d = std::move(c);  // error <- value (moved)
    REQUIRE(d->v == 1);

    d = make(typedao::error_code::database_error, "d");  // assignment from an error
    REQUIRE(d.error().code == typedao::error_code::database_error);
    d.emplace(7);
    REQUIRE(d->v == 7);
    a = d;  // value <- value
    REQUIRE(a->v == 7);
  }
  REQUIRE(counted::live == 0);
}

TEST_CASE("result: move-only values", "[result]") {
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<result<std::unique_ptr<int>>>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<result<std::unique_ptr<int>>>);
  result<std::unique_ptr<int>> p = std::make_unique<int>(5);
  result<std::unique_ptr<int>> q = std::move(p);
  REQUIRE(**q == 5);
  std::unique_ptr<int> out = std::move(q).value();
  REQUIRE(*out == 5);
}

TEST_CASE("result: values convertible to T, and T = std::vector", "[result]") {
  result<std::string> s = "text";  // const char* -> std::string
  REQUIRE(*s == "text");
  result<std::optional<int>> n = std::nullopt;
  REQUIRE(n);
  REQUIRE_FALSE(n->has_value());
  result<std::vector<int>> v = std::vector<int>{1, 2, 3};
  REQUIRE(v->size() == 3);
  REQUIRE((*std::move(v)).size() == 3);
}

}  // namespace typedao_ut_result
