#ifndef TYPEDAO_DETAIL_BASE64_HPP
#define TYPEDAO_DETAIL_BASE64_HPP

// Base64 (RFC 4648), one implementation for both uses: the standard padded alphabet for bytea
// values in JSON (§4) and the URL-safe unpadded one for page offsets that travel in URLs (§5).
// Decoding is strict in both: only the alphabet, no whitespace, padding exactly as the form
// requires, and unused trailing bits zero, so each byte string has exactly one accepted text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace typedao::detail {

struct base64_form {
  const char* alphabet;  // 64 characters
  bool padded;
};
inline constexpr base64_form base64_standard{
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true};
inline constexpr base64_form base64_url{
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false};

// `in` is any contiguous range of bytes (char or std::byte).
template <class Bytes>
std::string base64_encode(const Bytes& in, const base64_form& f) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  const std::size_t tail = n % 3;
  std::string out(n / 3 * 4 + (tail == 0 ? 0 : f.padded ? 4 : tail + 1), '\0');
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16 | std::uint32_t{p[i + 1]} << 8 | p[i + 2];
    *o++ = f.alphabet[v >> 18 & 63];
    *o++ = f.alphabet[v >> 12 & 63];
    *o++ = f.alphabet[v >> 6 & 63];
    *o++ = f.alphabet[v & 63];
  }
  if (tail == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    *o++ = f.alphabet[v >> 18 & 63];
    *o++ = f.alphabet[v >> 12 & 63];
    if (f.padded) {
      *o++ = '=';
      *o++ = '=';
    }
  } else if (tail == 2) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16 | std::uint32_t{p[i + 1]} << 8;
    *o++ = f.alphabet[v >> 18 & 63];
    *o++ = f.alphabet[v >> 12 & 63];
    *o++ = f.alphabet[v >> 6 & 63];
    if (f.padded) *o++ = '=';
  }
  return out;
}

// Appends the decoded bytes to `out` (a container of char or std::byte); false when `in` is not
// exactly one accepted text of form `f` (then `out` holds a prefix: callers discard it).
template <class Out>
bool base64_decode(std::string_view in, const base64_form& f, Out& out) {
  if (f.padded) {
    if (in.size() % 4 != 0) return false;
    std::size_t pad = 0;
    while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
    in.remove_suffix(pad);
  }
  if (in.size() % 4 == 1) return false;
  int value[256];
  for (int& v : value) v = -1;
  for (int k = 0; k < 64; ++k) value[static_cast<unsigned char>(f.alphabet[k])] = k;
  using byte_type = typename Out::value_type;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<byte_type>(acc >> bits & 0xff));
    }
  }
  return bits == 0 || (acc & ((1u << bits) - 1)) == 0;
}

inline std::string base64url_encode(std::string_view in) { return base64_encode(in, base64_url); }

inline std::optional<std::string> base64url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  if (!base64_decode(in, base64_url, out)) return std::nullopt;
  return out;
}

}  // namespace typedao::detail

#endif
