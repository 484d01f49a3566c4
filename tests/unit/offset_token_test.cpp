// Page offset tokens (dao/offset_token.hpp) without a database: round trips for uuid, integer,
// string and composite keys, the URL-safe alphabet, and every reason a token is refused.
//
//   base64url( 't' '1' | fingerprint u64 BE | count u8 | (length u32 BE | binary key column)* )

#include <typedao/typedao.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>

namespace typedao_ut_offset_token {

namespace {

struct UidRow {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(UidRow, (), (id, name))
TYPEDAO_ENTITY(UidRow, "uid_rows")

struct IntRow {
  std::int64_t id = 0;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(IntRow, (), (id, name))
TYPEDAO_ENTITY(IntRow, "int_rows")

struct StrRow {
  std::string name;
  std::int32_t n = 0;
};
BOOST_DESCRIBE_STRUCT(StrRow, (), (name, n))
TYPEDAO_ENTITY(StrRow, "str_rows", typedao::primary_key(&StrRow::name))

struct CompRow {
  std::string org;
  std::int32_t num = 0;
  std::string label;
};
BOOST_DESCRIBE_STRUCT(CompRow, (), (org, num, label))
TYPEDAO_ENTITY(CompRow, "comp_rows", typedao::primary_key(&CompRow::org, &CompRow::num))

using namespace std::string_literals;
using typedao::detail::base64url_decode;
using typedao::detail::base64url_encode;
using typedao::detail::make_offset_token;
using typedao::detail::parse_offset_token;

constexpr std::uint64_t fp = 0x0123456789abcdefULL;

const std::string another_entity = "token was issued for another entity, filter or foreign key";

bool url_safe(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Big-endian helpers to forge payloads by hand.
std::string be32(std::uint32_t v) {
  std::string s;
  for (int i = 3; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string be64(std::uint64_t v) {
  std::string s;
  for (int i = 7; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string header(std::uint64_t f, unsigned count) {
  return "t1" + be64(f) + static_cast<char>(count);
}
std::string column(std::string_view bytes) {
  return be32(static_cast<std::uint32_t>(bytes.size())) + std::string(bytes);
}

template <class T>
std::string why(std::string_view token, std::uint64_t f = fp) {
  typedao::key_t<T> out{};
  const char* r = parse_offset_token<T>(token, f, out);
  return r ? std::string(r) : std::string("<accepted>");
}

}  // namespace

TEST_CASE("offset token: uuid key round trip", "[unit][offset]") {
  const auto id = *typedao::parse_uuid("3b1f6a2e-9c4d-4e5f-8a7b-1c2d3e4f5a6b");
  auto token = make_offset_token<UidRow>(fp, id);
  CHECK(url_safe(token));
  CHECK(token.find('=') == std::string::npos);
  typedao::uuid back{};
  REQUIRE(parse_offset_token<UidRow>(token, fp, back) == nullptr);
  CHECK(back == id);

  // The payload is exactly the documented layout.
  auto raw = base64url_decode(token);
  REQUIRE(raw);
  CHECK(*raw ==
        header(fp, 1) + column(std::string_view(reinterpret_cast<const char*>(id.data), 16)));
}

TEST_CASE("offset token: the alphabet is URL-safe even where standard base64 would use + and /",
          "[unit][offset]") {
  // 0xff / 0xfb bytes encode to '/' and '+' in standard base64: here they must be '_' and '-'.
  typedao::uuid ff{};
  for (auto& b : ff.data) b = 0xff;
  typedao::uuid fb{};
  for (auto& b : fb.data) b = 0xfb;
  for (auto& id : {ff, fb}) {
    auto token = make_offset_token<UidRow>(~std::uint64_t{0}, id);
    INFO(token);
    CHECK(url_safe(token));
    typedao::uuid back{};
    REQUIRE(parse_offset_token<UidRow>(token, ~std::uint64_t{0}, back) == nullptr);
    CHECK(back == id);
  }
  CHECK(make_offset_token<UidRow>(~std::uint64_t{0}, ff).find('_') != std::string::npos);
  CHECK(base64url_encode("\xfb\xef\xbe") == "----");
  CHECK(base64url_encode("\xff\xff\xff") == "____");
}

TEST_CASE("offset token: integer key round trip (negative, zero, extremes)", "[unit][offset]") {
  for (std::int64_t v :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{1} << 40,
        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    INFO(v);
    auto token = make_offset_token<IntRow>(fp, v);
    CHECK(url_safe(token));
    std::int64_t back = 42;
    REQUIRE(parse_offset_token<IntRow>(token, fp, back) == nullptr);
    CHECK(back == v);
  }
}

TEST_CASE("offset token: string key round trip (empty, UTF-8, separators)", "[unit][offset]") {
  for (std::string v : {std::string(), std::string("a"), std::string("héllo wörld"),
                        std::string("a,b/c:d"), std::string(300, 'x')}) {
    INFO(v);
    auto token = make_offset_token<StrRow>(fp, v);
    CHECK(url_safe(token));
    std::string back = "junk";
    REQUIRE(parse_offset_token<StrRow>(token, fp, back) == nullptr);
    CHECK(back == v);
  }
}

TEST_CASE("offset token: composite key round trip", "[unit][offset]") {
  using K = std::tuple<std::string, std::int32_t>;
  for (K v : {K{"acme", 1}, K{"", 0}, K{"globex", -7}, K{"ünïcode", 2147483647}}) {
    auto token = make_offset_token<CompRow>(fp, v);
    CHECK(url_safe(token));
    K back{"junk", 99};
    REQUIRE(parse_offset_token<CompRow>(token, fp, back) == nullptr);
    CHECK(back == v);
  }
  // Two columns in the payload, each with its own length.
  auto raw = base64url_decode(make_offset_token<CompRow>(fp, K{"ab", 1}));
  REQUIRE(raw);
  CHECK(*raw == header(fp, 2) + column("ab") + column(std::string("\0\0\0\1", 4)));
}

TEST_CASE("offset token: the same key and fingerprint always give the same token, others differ",
          "[unit][offset]") {
  CHECK(make_offset_token<IntRow>(fp, 5) == make_offset_token<IntRow>(fp, 5));
  CHECK(make_offset_token<IntRow>(fp, 5) != make_offset_token<IntRow>(fp, 6));
  CHECK(make_offset_token<IntRow>(fp, 5) != make_offset_token<IntRow>(fp + 1, 5));
}

TEST_CASE("offset token: bad base64 encoding", "[unit][offset]") {
  CHECK(why<IntRow>("!!!") == "bad base64 encoding");
  CHECK(why<IntRow>("abc=") == "bad base64 encoding");   // padding is not accepted
  CHECK(why<IntRow>("ab+/") == "bad base64 encoding");   // standard alphabet is not accepted
  CHECK(why<IntRow>("abcde") == "bad base64 encoding");  // length 1 mod 4 is impossible
  CHECK(why<IntRow>("ab cd") == "bad base64 encoding");  // whitespace
  CHECK(why<IntRow>("AB") == "bad base64 encoding");     // non-zero unused trailing bits
  CHECK(why<IntRow>(std::string("AA\0A", 4)) == "bad base64 encoding");
  // A valid token with one character changed to something outside the alphabet.
  auto token = make_offset_token<IntRow>(fp, 5);
  token[3] = '.';
  CHECK(why<IntRow>(token) == "bad base64 encoding");
}

TEST_CASE("offset token: bad token (structure)", "[unit][offset]") {
  const std::string key = column(std::string("\0\0\0\0\0\0\0\5", 8));
  // Sanity: the hand-made payload is accepted.
  REQUIRE(why<IntRow>(base64url_encode(header(fp, 1) + key)) == "<accepted>");

  CHECK(why<IntRow>("") == "bad token");  // decodes to nothing (the DAO treats "" as "no offset")
  CHECK(why<IntRow>(base64url_encode("t1")) == "bad token");  // too short
  CHECK(why<IntRow>(base64url_encode(header(fp, 1).substr(0, 10))) ==
        "bad token");  // no count byte
  CHECK(why<IntRow>(base64url_encode("t2" + header(fp, 1).substr(2) + key)) ==
        "bad token");  // version
  CHECK(why<IntRow>(base64url_encode("x1" + header(fp, 1).substr(2) + key)) ==
        "bad token");                                                              // magic
  CHECK(why<IntRow>(base64url_encode(header(fp, 2) + key + key)) == "bad token");  // column count
  CHECK(why<IntRow>(base64url_encode(header(fp, 0))) == "bad token");              // no column
  CHECK(why<IntRow>(base64url_encode(header(fp, 1))) == "bad token");  // count but no column
  CHECK(why<IntRow>(base64url_encode(header(fp, 1) + be32(8).substr(0, 3))) ==
        "bad token");  // short length
  CHECK(why<IntRow>(base64url_encode(header(fp, 1) + be32(8) + "\0\0\0"s)) ==
        "bad token");  // short value
  CHECK(why<IntRow>(base64url_encode(header(fp, 1) + be32(0xffffffffu))) ==
        "bad token");                                                              // NULL column
  CHECK(why<IntRow>(base64url_encode(header(fp, 1) + key + "x")) == "bad token");  // trailing bytes

  // Every truncation of a real token is refused (never accepted, never a crash).
  for (auto* tok : {"uuid", "comp"}) {
    std::string token =
        std::string_view(tok) == "uuid"
            ? make_offset_token<UidRow>(fp, typedao::generate_uuid())
            : make_offset_token<CompRow>(fp, std::tuple<std::string, std::int32_t>{"acme", 3});
    for (std::size_t n = 0; n < token.size(); ++n) {
      INFO(tok << " truncated to " << n << " of " << token.size());
      auto cut = token.substr(0, n);
      auto r = std::string_view(tok) == "uuid" ? why<UidRow>(cut) : why<CompRow>(cut);
      CHECK(r != "<accepted>");
      CHECK((r == "bad token" || r == "bad base64 encoding"));
    }
  }
}

TEST_CASE("offset token: issued for another entity, filter or foreign key (fingerprint)",
          "[unit][offset]") {
  auto token = make_offset_token<IntRow>(fp, 5);
  CHECK(why<IntRow>(token, fp) == "<accepted>");
  CHECK(why<IntRow>(token, fp ^ 1) == another_entity);
  CHECK(why<IntRow>(token, 0) == another_entity);

  // A token of another entity with the same key width is refused by its fingerprint...
  auto uid_token = make_offset_token<UidRow>(fp ^ 0x10, typedao::generate_uuid());
  CHECK(why<IntRow>(uid_token, fp) == another_entity);
  // ...and one with another key width is not even a token for this entity.
  auto comp_token =
      make_offset_token<CompRow>(fp, std::tuple<std::string, std::int32_t>{"acme", 1});
  CHECK(why<IntRow>(comp_token, fp) == "bad token");
  CHECK(why<CompRow>(token, fp) == "bad token");

  // Tampering with the fingerprint bytes.
  auto raw = *base64url_decode(token);
  raw[5] = static_cast<char>(raw[5] ^ 0x40);
  CHECK(why<IntRow>(base64url_encode(raw)) == another_entity);
}

TEST_CASE("offset token: fingerprint separates field boundaries and values", "[unit][offset]") {
  using typedao::detail::fingerprint;
  auto of = [](std::initializer_list<std::string_view> parts) {
    fingerprint f;
    for (auto p : parts) f.add(p);
    return f.value();
  };
  CHECK(of({"ab", "c"}) != of({"a", "bc"}));
  CHECK(of({"services"}) != of({"routes"}));
  CHECK(of({"a"}) == of({"a"}));
  CHECK(of({}) != of({""}));
  fingerprint a, b;
  a.add_u64(1);
  b.add_u64(2);
  CHECK(a.value() != b.value());
}

TEST_CASE("offset token: bad key in token (well-formed token, undecodable key)", "[unit][offset]") {
  // A uuid column that is not 16 bytes.
  CHECK(why<UidRow>(base64url_encode(header(fp, 1) + column("abc"))) == "bad key in token");
  CHECK(why<UidRow>(base64url_encode(header(fp, 1) + column(std::string(17, 'x')))) ==
        "bad key in token");
  // An int8 column that is not 8 bytes.
  CHECK(why<IntRow>(base64url_encode(header(fp, 1) + column("1234"))) == "bad key in token");
  CHECK(why<IntRow>(base64url_encode(header(fp, 1) + column(""))) == "bad key in token");
  // Composite: the second (int4) column is 8 bytes.
  CHECK(why<CompRow>(base64url_encode(header(fp, 2) + column("acme") + column("12345678"))) ==
        "bad key in token");
  // Tampering with the length of a real uuid token's column.
  auto raw = *base64url_decode(make_offset_token<UidRow>(fp, typedao::generate_uuid()));
  raw = raw.substr(0, 11) + be32(15) + raw.substr(15, 15);
  CHECK(why<UidRow>(base64url_encode(raw)) == "bad key in token");
}

TEST_CASE("offset token: a string key that is not valid text is a bad key", "[unit][offset]") {
  // The server would refuse these bytes as text (DATABASE_ERROR later); the token must be
  // refused up front as INVALID_OFFSET.
  CHECK(why<StrRow>(base64url_encode(header(fp, 1) + column("\xff\xfe"))) == "bad key in token");
  CHECK(why<StrRow>(base64url_encode(header(fp, 1) + column(std::string("a\0b", 3)))) ==
        "bad key in token");
  CHECK(why<CompRow>(base64url_encode(header(fp, 2) + column("\xc0\xaf") +
                                      column(std::string("\0\0\0\1", 4)))) == "bad key in token");
}

}  // namespace typedao_ut_offset_token
