#include <typedao/detail/utf8.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace typedao_ut_utf8 {

using typedao::detail::utf8_valid;
using namespace std::string_view_literals;

namespace {

// A slow, obviously-correct reference: decode each sequence and check the code point.
bool reference_valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80)
      len = 1, cp = c;
    else if ((c & 0xE0) == 0xC0)
      len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      len = 4, cp = c & 0x07;
    else
      return false;
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len]) return false;         // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogate
    if (cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

std::string cp_to_utf8_unchecked(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

}  // namespace

TEST_CASE("utf8_valid accepts well-formed text", "[utf8]") {
  CHECK(utf8_valid(""sv));
  CHECK(utf8_valid("hello, world"sv));
  CHECK(utf8_valid("caf\xc3\xa9"sv));       // é
  CHECK(utf8_valid("\xe2\x82\xac"sv));      // €
  CHECK(utf8_valid("\xf0\x9f\x98\x80"sv));  // 😀
  CHECK(utf8_valid("\xc2\x80"sv));          // U+0080
  CHECK(utf8_valid("\xdf\xbf"sv));          // U+07FF
  CHECK(utf8_valid("\xe0\xa0\x80"sv));      // U+0800
  CHECK(utf8_valid("\xed\x9f\xbf"sv));      // U+D7FF
  CHECK(utf8_valid("\xee\x80\x80"sv));      // U+E000
  CHECK(utf8_valid("\xef\xbf\xbf"sv));      // U+FFFF
  CHECK(utf8_valid("\xf0\x90\x80\x80"sv));  // U+10000
  CHECK(utf8_valid("\xf4\x8f\xbf\xbf"sv));  // U+10FFFF
  CHECK(utf8_valid("a\0b"sv));              // NUL is UTF-8; the DAO rejects it itself
  CHECK(utf8_valid("\x7f"sv));
}

TEST_CASE("utf8_valid rejects ill-formed text", "[utf8]") {
  const std::string_view bad[] = {
      "\x80"sv,  // lone continuation byte
      "\xbf"sv,
      "\xc0\x80"sv,                  // overlong NUL
      "\xc1\xbf"sv,                  // overlong U+007F
      "\xe0\x80\x80"sv,              // overlong
      "\xe0\x9f\xbf"sv,              // overlong U+07FF
      "\xf0\x80\x80\x80"sv,          // overlong
      "\xf0\x8f\xbf\xbf"sv,          // overlong U+FFFF
      "\xed\xa0\x80"sv,              // U+D800
      "\xed\xbf\xbf"sv,              // U+DFFF
      "\xed\xa0\x80\xed\xb0\x80"sv,  // CESU-8 surrogate pair
      "\xf4\x90\x80\x80"sv,          // U+110000
      "\xf5\x80\x80\x80"sv,
      "\xf8\x88\x80\x80\x80"sv,  // 5-byte form
      "\xfc\x84\x80\x80\x80\x80"sv,
      "\xfe"sv,
      "\xff"sv,
      "\xc3"sv,  // truncated at the end
      "\xe2\x82"sv,
      "\xf0\x9f\x98"sv,
      "\xe2\x82z"sv,             // truncated before ASCII
      "\xc3\xc3\xa9"sv,          // lead where a continuation belongs
      "\xf0\x9f\x98\x80\x80"sv,  // one continuation too many
  };
  for (auto s : bad) {
    INFO("bytes: " << s.size());
    CHECK_FALSE(utf8_valid(s));
    CHECK_FALSE(reference_valid(s));
  }
}

TEST_CASE("utf8_valid: errors found after and between ASCII runs", "[utf8]") {
  // The ASCII fast path reads 8 bytes at a time: put the bad byte at every offset.
  for (std::size_t prefix = 0; prefix < 40; ++prefix) {
    for (std::size_t suffix = 0; suffix < 20; suffix += 3) {
      INFO("prefix " << prefix << " suffix " << suffix);
      std::string ok = std::string(prefix, 'a') + "\xe2\x82\xac" + std::string(suffix, 'b');
      CHECK(utf8_valid(ok));
      std::string bad = std::string(prefix, 'a') + "\xe2\x82" + std::string(suffix, 'b');
      CHECK_FALSE(utf8_valid(bad));
      std::string stray = std::string(prefix, 'a') + "\x80" + std::string(suffix, 'b');
      CHECK_FALSE(utf8_valid(stray));
    }
  }
}

TEST_CASE("utf8_valid: every code point encodes to valid UTF-8 except surrogates", "[utf8]") {
  for (std::uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (utf8_valid(cp_to_utf8_unchecked(cp)) == surrogate) FAIL("code point " << cp);
  }
  SUCCEED();
}

TEST_CASE("utf8_valid matches a reference decoder on every 1-3 byte string", "[utf8]") {
  char buf[3];
  for (unsigned a = 0; a < 256; ++a) {
    buf[0] = static_cast<char>(a);
    if (utf8_valid({buf, 1}) != reference_valid({buf, 1})) FAIL("byte " << a);
    for (unsigned b = 0; b < 256; ++b) {
      buf[1] = static_cast<char>(b);
      if (utf8_valid({buf, 2}) != reference_valid({buf, 2})) FAIL("bytes " << a << ' ' << b);
      for (unsigned c = 0; c < 256; ++c) {
        buf[2] = static_cast<char>(c);
        if (utf8_valid({buf, 3}) != reference_valid({buf, 3}))
          FAIL("bytes " << a << ' ' << b << ' ' << c);
      }
    }
  }
  SUCCEED();
}

TEST_CASE("utf8_valid matches a reference decoder on 4-byte strings with a non-ASCII lead",
          "[utf8]") {
  char buf[4];
  for (unsigned a = 0xE0; a < 256; ++a) {
    buf[0] = static_cast<char>(a);
    for (unsigned b = 0x70; b < 0xD0; ++b) {
      buf[1] = static_cast<char>(b);
      for (unsigned c = 0x70; c < 0xD0; ++c) {
        buf[2] = static_cast<char>(c);
        for (unsigned d = 0x70; d < 0xD0; d += 7) {
          buf[3] = static_cast<char>(d);
          if (utf8_valid({buf, 4}) != reference_valid({buf, 4}))
            FAIL("bytes " << a << ' ' << b << ' ' << c << ' ' << d);
        }
      }
    }
  }
  SUCCEED();
}

TEST_CASE("utf8_valid is usable in constant expressions and noexcept", "[utf8]") {
  STATIC_REQUIRE(utf8_valid("caf\xc3\xa9 and more than eight ASCII bytes"sv));
  STATIC_REQUIRE_FALSE(utf8_valid("more than eight ASCII bytes \xed\xa0\x80"sv));
  STATIC_REQUIRE(noexcept(utf8_valid(""sv)));
}

}  // namespace typedao_ut_utf8
