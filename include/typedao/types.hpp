#ifndef TYPEDAO_TYPES_HPP
#define TYPEDAO_TYPES_HPP

#include <boost/uuid/uuid.hpp>

#include <atomic>
#include <cerrno>
// libstdc++'s <chrono> brings <sstream> with it (C++20 formatting and parsing); typedao needs only
// durations, time points and the system clock, which <bits/chrono.h> holds (GCC >= 11).
#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <unistd.h>
#define TYPEDAO_HAS_PTHREAD_ATFORK 1
#endif
#if defined(__linux__)
#include <sys/random.h>
#elif defined(__APPLE__)
#include <sys/random.h>  // getentropy
#else
#include <random>
#endif

namespace typedao {

/// A PostgreSQL `uuid`.
using uuid = boost::uuids::uuid;

/// A PostgreSQL `timestamptz`: microseconds since the Unix epoch, UTC.
/// timestamp::max() and timestamp::min() stand for 'infinity' and '-infinity'.
using timestamp = std::chrono::sys_time<std::chrono::microseconds>;

namespace detail {

// Bumped in every child after fork(): a child must not replay its parent's random stream, or
// pre-forked workers would generate the same ids.
inline std::atomic<unsigned> uuid_fork_generation{0};

inline void uuid_register_fork_handler() noexcept {
#ifdef TYPEDAO_HAS_PTHREAD_ATFORK
  static const bool registered = [] {
    ::pthread_atfork(nullptr, nullptr,
                     [] { uuid_fork_generation.fetch_add(1, std::memory_order_relaxed); });
    return true;
  }();
  (void)registered;
#endif
}

// Fills p[0..n) from the operating system's CSPRNG (getrandom on Linux, getentropy on macOS,
// std::random_device elsewhere). Throws std::system_error when the OS cannot supply it.
inline void os_random(unsigned char* p, std::size_t n) {
#if defined(__linux__)
  while (n > 0) {
    const ssize_t got = ::getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "typedao::generate_uuid: getrandom");
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
#elif defined(__APPLE__)
  while (n > 0) {
    const std::size_t chunk = n < 256 ? n : 256;  // getentropy's limit
    if (::getentropy(p, chunk) != 0)
      throw std::system_error(errno, std::generic_category(), "typedao::generate_uuid: getentropy");
    p += chunk;
    n -= chunk;
  }
#else
  std::random_device rd;
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(rd());
#endif
}

// Random bytes for 16 uuids per system call, per thread; emptied in a forked child, which must
// not hand out the bytes its parent also holds.
struct uuid_random_pool {
  unsigned char bytes[256];
  std::size_t used = sizeof bytes;
  unsigned generation = 0;
};

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace detail

/// A random (version 4) uuid: 122 bits from the operating system's CSPRNG, read 256 bytes at
/// a time into a per-thread buffer that a forked child discards. Throws std::system_error if the
/// OS cannot supply random bytes.
inline uuid generate_uuid() {
  detail::uuid_register_fork_handler();
  thread_local detail::uuid_random_pool pool;
  const unsigned g = detail::uuid_fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != g) {
    pool.used = sizeof pool.bytes;
    pool.generation = g;
  }
  if (pool.used + 16 > sizeof pool.bytes) {
    detail::os_random(pool.bytes, sizeof pool.bytes);
    pool.used = 0;
  }
  uuid u;
  std::memcpy(u.data, pool.bytes + pool.used, 16);
  std::memset(pool.bytes + pool.used, 0, 16);  // handed out once
  pool.used += 16;
  u.data[6] = static_cast<std::uint8_t>((u.data[6] & 0x0F) | 0x40);  // version 4
  u.data[8] = static_cast<std::uint8_t>((u.data[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return u;
}

/// Parses the canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits of either
/// case). Anything else (braces, no hyphens, whitespace, other lengths) gives nullopt.
inline std::optional<uuid> parse_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return std::nullopt;
  uuid u{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = detail::hex_value(s[i]);
    const int lo = detail::hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.data[k++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return u;
}

/// The canonical lower-case form, 36 characters.
inline std::string to_string(const uuid& u) {
  constexpr char digits[] = "0123456789abcdef";
  std::string s(36, '-');
  std::size_t i = 0;
  for (std::size_t k = 0; k < 16; ++k) {
    if (i == 8 || i == 13 || i == 18 || i == 23) ++i;
    s[i++] = digits[u.data[k] >> 4];
    s[i++] = digits[u.data[k] & 0x0F];
  }
  return s;
}

}  // namespace typedao

#endif
