#ifndef TYPEDAO_CODEC_WIRE_HPP
#define TYPEDAO_CODEC_WIRE_HPP

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(_MSC_VER) && !defined(__clang__)
#include <stdlib.h>  // _byteswap_*
#endif

namespace typedao::detail {

// Reverses the bytes of an unsigned 2-, 4- or 8-byte integer.
template <class U>
inline U byteswap(U v) noexcept {
  static_assert(std::is_unsigned_v<U> && (sizeof(U) == 2 || sizeof(U) == 4 || sizeof(U) == 8));
#if defined(__GNUC__) || defined(__clang__)
  if constexpr (sizeof(U) == 2)
    return __builtin_bswap16(v);
  else if constexpr (sizeof(U) == 4)
    return __builtin_bswap32(v);
  else
    return __builtin_bswap64(v);
#elif defined(_MSC_VER)
  if constexpr (sizeof(U) == 2)
    return _byteswap_ushort(v);
  else if constexpr (sizeof(U) == 4)
    return _byteswap_ulong(v);
  else
    return _byteswap_uint64(v);
#else
  U r = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i)
    r = static_cast<U>((r << 8) | ((v >> (8 * i)) & 0xFF));
  return r;
#endif
}

// Host order <-> network order (big-endian): a swap on little-endian hosts, nothing on big-endian.
template <class U>
inline U network_order(U v) noexcept {
  if constexpr (std::endian::native == std::endian::big)
    return v;
  else
    return byteswap(v);
}

// Reads sizeof(Int) big-endian bytes; the caller has checked they exist. Byte by byte so
// unaligned input is fine (compilers turn this into one load and a bswap).
template <class Int>
constexpr Int load_be(const char* p) noexcept {
  using U = std::make_unsigned_t<Int>;
  if (!std::is_constant_evaluated()) {
    U w;
    std::memcpy(&w, p, sizeof(U));
    if constexpr (sizeof(U) == 1)
      return static_cast<Int>(w);
    else
      return static_cast<Int>(network_order(w));
  }
  U u = 0;
  for (std::size_t i = 0; i < sizeof(Int); ++i)
    u = static_cast<U>((u << 8) | static_cast<unsigned char>(p[i]));
  return static_cast<Int>(u);  // modular since C++20
}

// PostgreSQL's binary array header (src/backend/utils/adt/arrayfuncs.c, array_recv).
inline constexpr std::size_t array_header_size = 12;  // ndim, has-null flag, element oid
inline constexpr std::size_t array_dim_size = 8;      // size, lower bound

}  // namespace typedao::detail

#endif
