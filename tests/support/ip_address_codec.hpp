// A user-defined codec, as docs/types.md shows it: an IP address stored as PostgreSQL's inet,
// in inet's binary format (network_send / network_recv in src/backend/utils/adt/network.c):
//   byte family (2 = IPv4, 3 = IPv6), byte prefix bits, byte is_cidr (0), byte address length,
//   then the address bytes.
// Used by tests/unit/codec_custom_test.cpp and tests/integration/types_full_test.cpp.
#ifndef TYPEDAO_TESTS_IP_ADDRESS_CODEC_HPP
#define TYPEDAO_TESTS_IP_ADDRESS_CODEC_HPP

#include <typedao/codec.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace netdemo {

struct ip_address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  std::uint8_t prefix = 32;              // netmask length
  friend bool operator==(const ip_address&, const ip_address&) = default;
};

inline ip_address ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                       std::uint8_t prefix = 32) {
  return {false, {a, b, c, d}, prefix};
}

// 192.168.0.1/24, 2001:0db8:0000:0000:0000:0000:0000:0001 (no /32, /128; IPv6 uncompressed).
inline std::string to_text(const ip_address& ip) {
  std::string s;
  if (!ip.v6) {
    for (int i = 0; i < 4; ++i) s += (i ? "." : "") + std::to_string(ip.bytes[i]);
  } else {
    constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) {
      if (i && i % 2 == 0) s += ':';
      s += hex[ip.bytes[i] >> 4];
      s += hex[ip.bytes[i] & 15];
    }
  }
  if (ip.prefix != (ip.v6 ? 128 : 32)) s += "/" + std::to_string(ip.prefix);
  return s;
}

}  // namespace netdemo

template <>
struct typedao::customize::codec<netdemo::ip_address> {
  static constexpr oid_t oid = 869;         // inet
  static constexpr oid_t array_oid = 1041;  // inet[]: std::vector<ip_address> works too
  static constexpr std::string_view sql_type = "inet";

  static void encode(const netdemo::ip_address& v, param_writer& w) {
    const unsigned char size = v.v6 ? 16 : 4;
    const unsigned char head[4] = {static_cast<unsigned char>(v.v6 ? 3 : 2), v.prefix, 0, size};
    w.append(head, 4);
    w.append(v.bytes.data(), size);
  }

  static const char* decode(const char* p, std::size_t n, netdemo::ip_address& out) noexcept {
    if (n < 4) return "truncated inet value";
    const auto family = static_cast<unsigned char>(p[0]);
    const auto bits = static_cast<unsigned char>(p[1]);
    const auto len = static_cast<unsigned char>(p[3]);
    if (family != 2 && family != 3) return "unknown inet address family";
    out.v6 = family == 3;
    const std::size_t size = out.v6 ? 16 : 4;
    if (len != size || n != 4 + size) return "inet address length does not match its family";
    if (bits > size * 8) return "inet prefix longer than the address";
    out.prefix = bits;
    out.bytes = {};
    std::memcpy(out.bytes.data(), p + 4, size);
    return nullptr;
  }

  static void render(const netdemo::ip_address& v, std::string& out) {
    out += '"';
    out += netdemo::to_text(v);
    out += '"';
  }

  // Optional: refuse, before sending, what the server would reject.
  template <class Report>
  static void check(const netdemo::ip_address& v, Report&& report) {
    if (v.prefix > (v.v6 ? 128 : 32))
      report("", "prefix length must be at most 32 (IPv4) or 128 (IPv6)");
  }
};

#endif
