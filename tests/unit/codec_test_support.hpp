// Helpers for the codec unit tests: wire bytes from hex, encode/decode through the real
// parameter buffer, decoding from exact-size allocations (so ASan sees overreads).
#ifndef TYPEDAO_TESTS_CODEC_TEST_SUPPORT_HPP
#define TYPEDAO_TESTS_CODEC_TEST_SUPPORT_HPP

#include <typedao/codec.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace codec_test {

/// Hex text ("00 00 00 50") to bytes; anything but [0-9a-f] is ignored.
inline std::string hex(std::string_view h) {
  std::string out;
  int hi = -1;
  for (char c : h) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

/// Bytes to lower-case hex without separators.
inline std::string to_hex(std::string_view b) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

template <class T>
std::string encode(const T& v) {
  typedao::detail::param_set<1> ps;
  {
    auto w = ps.writer(0);
    typedao::customize::codec<T>::encode(v, w);
  }
  ps.finish();
  REQUIRE(ps.values()[0] != nullptr);
  REQUIRE(ps.formats()[0] == 1);  // binary
  return std::string(ps.values()[0], static_cast<std::size_t>(ps.lengths()[0]));
}

template <class T>
const char* try_decode(std::string_view bytes, T& out) {
  std::unique_ptr<char[]> exact(new char[bytes.size() == 0 ? 1 : bytes.size()]);
  if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());
  return typedao::customize::codec<T>::decode(exact.get(), bytes.size(), out);
}

template <class T>
T decode(std::string_view bytes) {
  T out{};
  const char* err = try_decode(bytes, out);
  INFO("decode error: " << (err ? err : "(none)"));
  REQUIRE(err == nullptr);
  return out;
}

template <class T>
std::string decode_error(std::string_view bytes) {
  T out{};
  const char* err = try_decode(bytes, out);
  INFO("bytes: " << to_hex(bytes));
  REQUIRE(err != nullptr);
  return err;
}

template <class T>
std::string render(const T& v) {
  std::string s = "<";  // render appends
  typedao::customize::codec<T>::render(v, s);
  REQUIRE(s.front() == '<');
  return s.substr(1);
}

template <class T>
void check_round_trip(const T& v) {
  const T back = decode<T>(encode(v));
  CHECK(back == v);
}

/// Builds a binary value field by field.
struct wire {
  std::string b;
  wire& i32(std::int64_t v) {
    const auto u = static_cast<std::uint32_t>(static_cast<std::int32_t>(v));
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<char>((u >> s) & 0xFF));
    return *this;
  }
  wire& i16(std::int64_t v) {
    const auto u = static_cast<std::uint16_t>(v);
    b.push_back(static_cast<char>(u >> 8));
    b.push_back(static_cast<char>(u & 0xFF));
    return *this;
  }
  wire& raw(std::string_view s) {
    b.append(s);
    return *this;
  }
  wire& elem(std::string_view s) { return i32(static_cast<std::int64_t>(s.size())).raw(s); }
};

/// A one-dimensional array header: ndim 1, flags, element oid, count, lower bound.
inline wire array_1d(std::int64_t oid, std::int64_t count, std::int64_t lower = 1,
                     std::int64_t flags = 0) {
  wire a;
  a.i32(1).i32(flags).i32(oid).i32(count).i32(lower);
  return a;
}

/// Reports of a codec's check(), as "suffix: message" lines.
template <class T>
std::vector<std::string> check_reports(const T& v) {
  std::vector<std::string> out;
  typedao::customize::codec<T>::check(v, [&](std::string_view suffix, std::string_view message) {
    out.push_back(std::string(suffix) + ": " + std::string(message));
  });
  return out;
}

}  // namespace codec_test

#endif
