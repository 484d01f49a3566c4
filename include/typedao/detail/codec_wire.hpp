#ifndef TYPEDAO_DETAIL_CODEC_WIRE_HPP
#define TYPEDAO_DETAIL_CODEC_WIRE_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace typedao::detail {

// Reads sizeof(Int) big-endian bytes; the caller has checked they exist. Byte by byte so
// unaligned input is fine (compilers turn this into one load and a bswap).
template <class Int>
constexpr Int load_be(const char* p) noexcept {
  using U = std::make_unsigned_t<Int>;
  if (!std::is_constant_evaluated()) {
    U w;
    std::memcpy(&w, p, sizeof(U));
    if constexpr (sizeof(U) == 2) w = __builtin_bswap16(w);
    else if constexpr (sizeof(U) == 4) w = __builtin_bswap32(w);
    else if constexpr (sizeof(U) == 8) w = __builtin_bswap64(w);
    else { U u = 0; for (std::size_t i = 0; i < sizeof(Int); ++i) u = static_cast<U>((u << 8) | static_cast<unsigned char>(p[i])); w = u; }
    return static_cast<Int>(w);
  }
  U u = 0;
  for (std::size_t i = 0; i < sizeof(Int); ++i)
    u = static_cast<U>((u << 8) | static_cast<unsigned char>(p[i]));
  return static_cast<Int>(u);  // modular since C++20
}

// PostgreSQL's binary array header (src/backend/utils/adt/arrayfuncs.c, array_recv).
inline constexpr std::size_t array_header_size = 12;   // ndim, has-null flag, element oid
inline constexpr std::size_t array_dim_size = 8;       // size, lower bound

}  // namespace typedao::detail

#endif
