// A user-defined codec: an IPv4 address stored in a PostgreSQL `inet` column.
// docs/types.md shows this file; docs/gen/types.cpp compiles it and runs it against a server.
#pragma once

#include <typedao/codec.hpp>

#include <array>
#include <cstdint>
#include <string>

struct ipv4 {
  std::array<std::uint8_t, 4> octets{};
  friend bool operator==(const ipv4&, const ipv4&) = default;
};

template <>
struct typedao::customize::codec<ipv4> {
  static constexpr typedao::oid_t oid = 869;  // inet
  // inet[]: enables std::vector<ipv4>, std::set<ipv4>
  static constexpr typedao::oid_t array_oid = 1041;
  static constexpr std::string_view sql_type = "inet";

  // inet_send: family (2 = IPv4), netmask bits, is_cidr, address length, address bytes.
  static void encode(const ipv4& v, typedao::param_writer& w) {
    const char head[4] = {2, 32, 0, 4};
    w.append(head, 4);
    w.append(reinterpret_cast<const char*>(v.octets.data()), 4);
  }

  // Never trust the bytes: check the length and every field.
  static const char* decode(const char* data, std::size_t n, ipv4& out) noexcept {
    if (n != 8) return "expected an IPv4 inet (8 bytes)";
    if (data[0] != 2 || data[3] != 4) return "expected an IPv4 address";
    if (static_cast<unsigned char>(data[1]) != 32) return "expected a host address (/32)";
    for (int i = 0; i < 4; ++i) out.octets[i] = static_cast<std::uint8_t>(data[4 + i]);
    return nullptr;
  }

  // How error messages print the value (Kong's pretty printer quotes strings).
  static void render(const ipv4& v, std::string& out) {
    out += '"';
    for (int i = 0; i < 4; ++i) {
      if (i) out += '.';
      out += std::to_string(v.octets[i]);
    }
    out += '"';
  }

  // Optional: problems found before sending become a SCHEMA_VIOLATION.
  template <class Report>
  static void check(const ipv4& v, Report&& report) {
    if (v.octets == std::array<std::uint8_t, 4>{}) report("", "0.0.0.0 is not a host address");
  }
};
