#ifndef TYPEDAO_DAO_OFFSET_TOKEN_HPP
#define TYPEDAO_DAO_OFFSET_TOKEN_HPP

// Page offsets: an opaque URL-safe token holding the last key of a page and a fingerprint of the
// query that minted it (entity, foreign-key filter and its value, tag filter), so a token from
// another query is refused instead of silently paging something else (Kong accepts any).
//
//   base64url( 't' '1' | fingerprint u64 BE | count u8 | (length u32 BE | binary key column)* )

#include <typedao/codec/params.hpp>
#include <typedao/dao/rows.hpp>
#include <typedao/detail/base64.hpp>
#include <typedao/entity.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace typedao::detail {

class fingerprint {
 public:
  void add(std::string_view s) noexcept {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
    // length separator so ("ab","c") differs from ("a","bc")
    add_u64(s.size());
  }
  void add_u64(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xff;
      h_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t value() const noexcept { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

// The binary image of a key (or any value) as the codecs send it, for fingerprints and tokens.
template <class V>
std::string encode_binary_columns(const V& v, std::size_t ncols) {
  std::string out;
  auto put = [&](const char* data, int len) {
    const std::uint32_t l = data ? static_cast<std::uint32_t>(len) : 0xffffffffu;
    const char be[4] = {static_cast<char>(l >> 24), static_cast<char>(l >> 16),
                        static_cast<char>(l >> 8), static_cast<char>(l)};
    out.append(be, 4);
    if (data) out.append(data, static_cast<std::size_t>(len));
  };
  // One param_set sized for the largest key we support.
  param_set<16> ps;
  std::size_t k = 0;
  encode_value(v, ps, k);
  ps.finish();
  for (std::size_t i = 0; i < ncols && i < k; ++i) put(ps.values()[i], ps.lengths()[i]);
  return out;
}

template <class T>
std::string make_offset_token(std::uint64_t fp, const key_t<T>& last) {
  char head[11] = {'t', '1'};
  for (int i = 0; i < 8; ++i) head[2 + i] = static_cast<char>((fp >> (8 * (7 - i))) & 0xff);
  head[10] = static_cast<char>(model<T>::pk_columns.size());
  std::string payload(head, sizeof head);
  payload += encode_binary_columns(last, model<T>::pk_columns.size());
  return base64url_encode(payload);
}

// Rows standing in for a result set, over the columns of a token.
struct token_columns {
  std::string_view col[16];
  bool null[16]{};
  int n = 0;
  int row_count() const noexcept { return 1; }
  int column_count() const noexcept { return n; }
  oid_t column_type(int) const noexcept { return 0; }
  bool is_null(int, int c) const noexcept { return null[c]; }
  const char* data(int, int c) const noexcept { return col[c].data(); }
  int length(int, int c) const noexcept { return static_cast<int>(col[c].size()); }
  long long affected_rows() const noexcept { return 0; }
};

template <class K>
bool key_text_ok(const K& k) noexcept {
  if constexpr (is_tuple<K>::value)
    return std::apply([](const auto&... part) { return (key_text_ok(part) && ...); }, k);
  else if constexpr (std::is_same_v<K, std::string>)
    return text_problem(k) == nullptr;
  else
    return true;
}

// The key in a token, or why the token is refused (Kong's INVALID_OFFSET reasons and ours).
template <class T>
const char* parse_offset_token(std::string_view token, std::uint64_t fp, key_t<T>& out) {
  auto raw = base64url_decode(token);
  if (!raw) return "bad base64 encoding";
  std::string_view p = *raw;
  if (p.size() < 11 || p[0] != 't' || p[1] != '1') return "bad token";
  std::uint64_t got = 0;
  for (int i = 0; i < 8; ++i) got = got << 8 | static_cast<unsigned char>(p[2 + i]);
  if (static_cast<unsigned char>(p[10]) != model<T>::pk_columns.size()) return "bad token";
  if (got != fp) return "token was issued for another entity, filter or foreign key";
  p.remove_prefix(11);
  token_columns cols;
  cols.n = static_cast<int>(model<T>::pk_columns.size());
  for (int c = 0; c < cols.n; ++c) {
    if (p.size() < 4) return "bad token";
    std::uint32_t l = 0;
    for (int i = 0; i < 4; ++i) l = l << 8 | static_cast<unsigned char>(p[i]);
    p.remove_prefix(4);
    if (l == 0xffffffffu) return "bad token";
    if (l > p.size()) return "bad token";
    cols.col[c] = p.substr(0, l);
    p.remove_prefix(l);
  }
  if (!p.empty()) return "bad token";
  int c = 0;
  if (decode_value(cols, 0, c, out)) return "bad key in token";
  // Text the server would refuse (invalid UTF-8, NUL) must not reach it as a DATABASE_ERROR.
  if (!key_text_ok(out)) return "bad key in token";
  return nullptr;
}

}  // namespace typedao::detail

#endif
