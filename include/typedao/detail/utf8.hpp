#ifndef TYPEDAO_DETAIL_UTF8_HPP
#define TYPEDAO_DETAIL_UTF8_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace typedao::detail {

// Well-formed UTF-8 per Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF,
// no truncated sequences. NUL is valid UTF-8; the DAO rejects it separately.
constexpr bool utf8_valid(std::string_view s) noexcept {
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  while (i < n) {
    // Most text is ASCII: skip it eight bytes at a time.
    if (!std::is_constant_evaluated()) {
      while (n - i >= 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
      }
      if (i == n) break;
    }
    const unsigned c = byte(i);
    if (c < 0x80u) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80u, hi = 0xBFu;  // allowed range of the second byte
    if (c >= 0xC2u && c <= 0xDFu) {
      len = 2;
    } else if (c >= 0xE0u && c <= 0xEFu) {
      len = 3;
      if (c == 0xE0u)
        lo = 0xA0u;  // overlong
      else if (c == 0xEDu)
        hi = 0x9Fu;  // surrogates D800-DFFF
    } else if (c >= 0xF0u && c <= 0xF4u) {
      len = 4;
      if (c == 0xF0u)
        lo = 0x90u;  // overlong
      else if (c == 0xF4u)
        hi = 0x8Fu;  // above U+10FFFF
    } else {
      return false;  // stray continuation byte, C0/C1 overlongs, F5-FF
    }
    if (n - i < len) return false;
    const unsigned c1 = byte(i + 1);
    if (c1 < lo || c1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (!cont(i + k)) return false;
    i += len;
  }
  return true;
}

// Length of the well-formed UTF-8 sequence that starts at s[i] (1 for ASCII), or 0 when the
// bytes there are not one.
constexpr std::size_t utf8_sequence_at(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80u) return 1;
  std::size_t len;
  if (c >= 0xC2u && c <= 0xDFu)
    len = 2;
  else if (c >= 0xE0u && c <= 0xEFu)
    len = 3;
  else if (c >= 0xF0u && c <= 0xF4u)
    len = 4;
  else
    return 0;
  if (s.size() - i < len) return 0;
  return utf8_valid(s.substr(i, len)) ? len : 0;
}

}  // namespace typedao::detail

#endif
