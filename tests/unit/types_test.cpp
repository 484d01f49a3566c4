#include <typedao/types.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__unix__)
#include <sys/wait.h>
#include <unistd.h>

namespace typedao_ut_types {
#endif

using typedao::uuid;

namespace {

bool is_v4(const uuid& u) { return (u.data[6] & 0xF0) == 0x40 && (u.data[8] & 0xC0) == 0x80; }

}  // namespace

TEST_CASE("typedao::timestamp is microseconds on the system clock", "[types]") {
  STATIC_REQUIRE(std::is_same_v<typedao::timestamp::clock, std::chrono::system_clock>);
  STATIC_REQUIRE(std::is_same_v<typedao::timestamp::duration, std::chrono::microseconds>);
  STATIC_REQUIRE(std::is_same_v<typedao::uuid, boost::uuids::uuid>);
}

TEST_CASE("generate_uuid gives distinct version 4 uuids", "[types][uuid]") {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const uuid u = typedao::generate_uuid();
    REQUIRE(is_v4(u));
    REQUIRE_FALSE(u.is_nil());
    seen.insert(typedao::to_string(u));
  }
  CHECK(seen.size() == 10000);
}

TEST_CASE("generate_uuid: threads get independent streams", "[types][uuid]") {
  std::vector<std::string> a, b;
  std::thread ta([&] {
    for (int i = 0; i < 1000; ++i) a.push_back(typedao::to_string(typedao::generate_uuid()));
  });
  std::thread tb([&] {
    for (int i = 0; i < 1000; ++i) b.push_back(typedao::to_string(typedao::generate_uuid()));
  });
  ta.join();
  tb.join();
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  CHECK(all.size() == 2000);
}

#if defined(__unix__)
TEST_CASE("generate_uuid: a forked child does not repeat its parent's stream", "[types][uuid]") {
  (void)typedao::generate_uuid();  // the parent's generator exists before fork
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const uuid u = typedao::generate_uuid();
    const auto n = ::write(fds[1], u.data, 16);
    ::_exit(n == 16 ? 0 : 1);
  }
  const uuid mine = typedao::generate_uuid();
  uuid theirs{};
  REQUIRE(::read(fds[0], theirs.data, 16) == 16);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK(WIFEXITED(status));
  CHECK(is_v4(theirs));
  CHECK(mine != theirs);
}
#endif

TEST_CASE("generate_uuid is fast", "[types][uuid][.perf]") {
  constexpr int n = 200000;
  (void)typedao::generate_uuid();
  unsigned char acc = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) acc ^= typedao::generate_uuid().data[i % 16];
  const auto t1 = std::chrono::steady_clock::now();
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
  WARN("generate_uuid: " << ns << " ns/call (" << int(acc) << ")");
  CHECK(ns < 1000.0);
}

TEST_CASE("to_string gives the canonical lower-case form", "[types][uuid]") {
  uuid u{};
  CHECK(typedao::to_string(u) == "00000000-0000-0000-0000-000000000000");
  const unsigned char bytes[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                   0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
  for (int i = 0; i < 16; ++i) u.data[i] = bytes[i];
  CHECK(typedao::to_string(u) == "01234567-89ab-cdef-fedc-ba9876543210");
  for (auto& b : u.data) b = 0xFF;
  CHECK(typedao::to_string(u) == "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

TEST_CASE("parse_uuid accepts the canonical form in either case", "[types][uuid]") {
  auto a = typedao::parse_uuid("01234567-89ab-cdef-fedc-ba9876543210");
  auto b = typedao::parse_uuid("01234567-89AB-CDEF-FEDC-BA9876543210");
  auto c = typedao::parse_uuid("01234567-89Ab-cDeF-fEdC-bA9876543210");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(*a == *b);
  CHECK(*a == *c);
  CHECK(a->data[0] == 0x01);
  CHECK(a->data[7] == 0xef);
  CHECK(a->data[8] == 0xfe);
  CHECK(a->data[15] == 0x10);
  auto nil = typedao::parse_uuid("00000000-0000-0000-0000-000000000000");
  REQUIRE(nil);
  CHECK(nil->is_nil());
}

TEST_CASE("parse_uuid round-trips to_string", "[types][uuid]") {
  for (int i = 0; i < 1000; ++i) {
    const uuid u = typedao::generate_uuid();
    const auto p = typedao::parse_uuid(typedao::to_string(u));
    REQUIRE(p);
    CHECK(*p == u);
  }
}

TEST_CASE("parse_uuid rejects everything else without throwing", "[types][uuid]") {
  using namespace std::string_view_literals;
  const std::string_view bad[] = {
      ""sv,
      "0"sv,
      "01234567-89ab-cdef-fedc-ba987654321"sv,            // 35 chars
      "01234567-89ab-cdef-fedc-ba98765432100"sv,          // 37 chars
      "{01234567-89ab-cdef-fedc-ba9876543210}"sv,         // braces
      "0123456789abcdeffedcba9876543210"sv,               // no hyphens
      "urn:uuid:01234567-89ab-cdef-fedc-ba9876543210"sv,  // URN
      "01234567-89ab-cdef-fedc-ba987654321g"sv,           // non-hex
      "01234567-89ab-cdef-fedc-ba98765432 0"sv,           // space
      " 1234567-89ab-cdef-fedc-ba9876543210"sv,
      "01234567-89ab-cdef-fedc-ba9876543210 "sv,  // trailing space (37)
      "0123456-789ab-cdef-fedc-ba9876543210"sv,   // hyphen misplaced
      "01234567_89ab_cdef_fedc_ba9876543210"sv,   // wrong separator
      "01234567-89ab-cdef-fedcba-98765432100"sv,  // hyphen missing, one extra
      "01234567-89ab-cdef--edc-ba9876543210"sv,   // hyphen as a digit
      "+1234567-89ab-cdef-fedc-ba9876543210"sv,
      "0x234567-89ab-cdef-fedc-ba9876543210"sv,
      "01234567-89ab-cdef-fedc-ba98765432\0000"sv,     // embedded NUL
      "01234567-89ab-cdef-fedc-ba98765432\xc3\xa9"sv,  // non-ASCII
  };
  for (auto s : bad) {
    INFO(std::string(s));
    std::optional<uuid> r;
    CHECK_NOTHROW(r = typedao::parse_uuid(s));
    CHECK_FALSE(r.has_value());
  }
  STATIC_REQUIRE(noexcept(typedao::parse_uuid(""sv)));
}

}  // namespace typedao_ut_types
