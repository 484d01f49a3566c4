#ifndef TYPEDAO_TYPES_HPP
#define TYPEDAO_TYPES_HPP

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define TYPEDAO_HAS_PTHREAD_ATFORK 1
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

struct uuid_generator_state {
  boost::uuids::random_generator_mt19937 gen;  // seeded from the OS once per thread
  unsigned generation = uuid_fork_generation.load(std::memory_order_relaxed);
};

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace detail

/// A random (version 4) uuid from a per-thread Mersenne Twister seeded by the OS; reseeded in
/// the child after fork(). Throws boost::uuids::entropy_error if the OS has no entropy.
inline uuid generate_uuid() {
  detail::uuid_register_fork_handler();
  thread_local detail::uuid_generator_state state;
  const unsigned g = detail::uuid_fork_generation.load(std::memory_order_relaxed);
  if (state.generation != g) {
    state.gen = boost::uuids::random_generator_mt19937{};
    state.generation = g;
  }
  return state.gen();
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
