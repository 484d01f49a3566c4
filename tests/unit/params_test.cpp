#include <typedao/codec/params.hpp>

#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace typedao_ut_params {

using typedao::param_writer;
using typedao::detail::param_set;

namespace {

std::string_view value_of(const param_set<1>& ps) {
  return {ps.values()[0], static_cast<std::size_t>(ps.lengths()[0])};
}

template <class Int>
std::string be(Int v) {
  param_set<1> ps;
  auto w = ps.writer(0);
  w.append_be(v);
  ps.finish();
  return std::string(value_of(ps));
}

}  // namespace

TEST_CASE("param_set with no parameters", "[params]") {
  param_set<0> ps;
  ps.finish();
  STATIC_REQUIRE(param_set<0>::size == 0);
  CHECK(ps.owned_bytes() == 0);
}

TEST_CASE("param_set: size, formats all binary, unwritten parameters are NULL", "[params]") {
  param_set<3> ps;
  STATIC_REQUIRE(param_set<3>::size == 3);
  ps.finish();
  for (int i = 0; i < 3; ++i) {
    CHECK(ps.formats()[i] == 1);
    CHECK(ps.values()[i] == nullptr);
    CHECK(ps.lengths()[i] == 0);
  }
}

TEST_CASE("param_writer::append_be writes network byte order", "[params]") {
  using namespace std::string_literals;
  CHECK(be(std::int32_t{80}) == "\x00\x00\x00\x50"s);
  CHECK(be(std::int32_t{-2}) == "\xff\xff\xff\xfe"s);
  CHECK(be(std::numeric_limits<std::int32_t>::min()) == "\x80\x00\x00\x00"s);
  CHECK(be(std::int16_t{0x0102}) == "\x01\x02"s);
  CHECK(be(std::int16_t{-1}) == "\xff\xff"s);
  CHECK(be(std::int64_t{0x0102030405060708}) == "\x01\x02\x03\x04\x05\x06\x07\x08"s);
  CHECK(be(std::numeric_limits<std::int64_t>::min()) == "\x80\x00\x00\x00\x00\x00\x00\x00"s);
  CHECK(be(std::numeric_limits<std::uint64_t>::max()) == "\xff\xff\xff\xff\xff\xff\xff\xff"s);
  CHECK(be(std::uint32_t{0xdeadbeef}) == "\xde\xad\xbe\xef"s);
  CHECK(be(std::uint16_t{0x8001}) == "\x80\x01"s);
  CHECK(be(std::int8_t{-1}) == "\xff"s);
}

TEST_CASE("param_set: owned, referenced and NULL parameters side by side", "[params]") {
  param_set<4> ps;
  const std::string text = "hello";
  {
    auto w = ps.writer(0);
    w.append_be(std::int32_t{80});
  }
  {
    auto w = ps.writer(1);
    w.set_ref(text.data(), text.size());
  }
  {
    auto w = ps.writer(2);
    w.set_null();
  }
  {
    auto w = ps.writer(3);
    w.append("ab", 2);
    w.append("", 0);
    w.append("cde", 3);
  }
  ps.finish();
  CHECK(ps.values()[1] == text.data());  // zero copy
  CHECK(ps.lengths()[1] == 5);
  CHECK(ps.values()[2] == nullptr);
  CHECK(std::string_view(ps.values()[0], 4) == std::string_view("\0\0\0\x50", 4));
  CHECK(ps.lengths()[0] == 4);
  CHECK(std::string_view(ps.values()[3], 5) == "abcde");
  CHECK(ps.lengths()[3] == 5);
  CHECK(ps.owned_bytes() == 9);  // the referenced string was not copied
  CHECK_FALSE(ps.spilled());
}

TEST_CASE("param_set: empty values are non-NULL", "[params]") {
  param_set<4> ps;
  (void)ps.writer(0);  // never used: empty value
  {
    auto w = ps.writer(1);
    w.append(nullptr, 0);
  }
  {
    auto w = ps.writer(2);
    w.set_ref(nullptr, 0);
  }
  {
    auto w = ps.writer(3);
    std::string empty;
    w.set_ref(empty.data(), 0);
  }
  ps.finish();
  for (int i = 0; i < 4; ++i) {
    INFO("parameter " << i);
    CHECK(ps.values()[i] != nullptr);
    CHECK(ps.lengths()[i] == 0);
  }
}

TEST_CASE("param_writer: the last of set_null / set_ref / append wins", "[params]") {
  param_set<3> ps;
  const std::string s = "xyz";
  {
    auto w = ps.writer(0);
    w.set_null();
    w.append("a", 1);
  }
  {
    auto w = ps.writer(1);
    w.set_ref(s.data(), s.size());
    w.set_null();
  }
  {
    auto w = ps.writer(2);
    w.set_null();
    w.set_ref(s.data(), 2);
  }
  ps.finish();
  REQUIRE(ps.values()[0] != nullptr);
  CHECK(std::string_view(ps.values()[0], 1) == "a");
  CHECK(ps.values()[1] == nullptr);
  CHECK(ps.values()[2] == s.data());
  CHECK(ps.lengths()[2] == 2);
}

TEST_CASE("param_set spills to the heap and finish() resolves offsets afterwards", "[params]") {
  param_set<3> ps;
  {
    auto w = ps.writer(0);
    w.append_be(std::int64_t{42});
  }
  std::string big(1 << 20, 'x');
  big.front() = 'A';
  big.back() = 'Z';
  {
    auto w = ps.writer(1);
    // Grow in many small steps: the buffer moves several times.
    for (std::size_t i = 0; i < big.size(); i += 1000)
      w.append(big.data() + i, std::min<std::size_t>(1000, big.size() - i));
  }
  {
    auto w = ps.writer(2);
    w.append("tail", 4);
  }
  ps.finish();
  CHECK(ps.spilled());
  CHECK(ps.lengths()[0] == 8);
  CHECK(std::string_view(ps.values()[0], 8) == std::string_view("\0\0\0\0\0\0\0\x2a", 8));
  REQUIRE(ps.lengths()[1] == static_cast<int>(big.size()));
  CHECK(std::string_view(ps.values()[1], big.size()) == big);
  CHECK(std::string_view(ps.values()[2], 4) == "tail");
  CHECK(ps.owned_bytes() == 8 + big.size() + 4);
}

TEST_CASE("param_set: exactly the inline capacity does not spill", "[params]") {
  param_set<1> ps;
  std::string s(typedao::detail::param_inline_capacity, 'q');
  auto w = ps.writer(0);
  w.append(s.data(), s.size());
  ps.finish();
  CHECK_FALSE(ps.spilled());
  w.append("!", 1);  // one more byte
  ps.finish();
  CHECK(ps.spilled());
  CHECK(std::string_view(ps.values()[0], s.size() + 1) == s + "!");
}

TEST_CASE("param_set::clear makes the set reusable", "[params]") {
  param_set<2> ps;
  {
    auto w = ps.writer(0);
    w.append_be(std::int32_t{1});
  }
  {
    auto w = ps.writer(1);
    w.set_null();
  }
  ps.finish();
  ps.clear();
  CHECK(ps.owned_bytes() == 0);
  {
    auto w = ps.writer(0);
    w.append_be(std::int16_t{7});
  }
  {
    auto w = ps.writer(1);
    w.append("k", 1);
  }
  ps.finish();
  CHECK(ps.lengths()[0] == 2);
  CHECK(std::string_view(ps.values()[0], 2) == std::string_view("\0\x07", 2));
  CHECK(std::string_view(ps.values()[1], 1) == "k");
}

TEST_CASE("param_writer rejects values longer than INT_MAX bytes", "[params]") {
  constexpr auto too_long = static_cast<std::size_t>(INT_MAX) + 1;
  const char dummy[1] = {'d'};
  // The checks happen before any byte is read, so the source need not be that large.
  SECTION("set_ref") {
    param_set<1> ps;
    auto w = ps.writer(0);
    CHECK_THROWS_AS(w.set_ref(dummy, too_long), std::length_error);
    CHECK_NOTHROW(w.set_ref(dummy, static_cast<std::size_t>(INT_MAX)));
  }
  SECTION("append at once") {
    param_set<1> ps;
    auto w = ps.writer(0);
    CHECK_THROWS_AS(w.append(dummy, too_long), std::length_error);
    CHECK(ps.owned_bytes() == 0);
  }
  SECTION("append accumulating past INT_MAX") {
    param_set<1> ps;
    auto w = ps.writer(0);
    w.append(dummy, 1);
    CHECK_THROWS_AS(w.append(dummy, static_cast<std::size_t>(INT_MAX)), std::length_error);
    CHECK(ps.owned_bytes() == 1);
  }
}

}  // namespace typedao_ut_params
