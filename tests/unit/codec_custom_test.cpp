// The customisation point with the example of docs/types.md: netdemo::ip_address as inet.

#include "codec_test_support.hpp"
#include "ip_address_codec.hpp"

#include <typedao/codec.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace typedao_ut_codec_custom {

using namespace codec_test;
using netdemo::ip_address;
using typedao::customize::codec;

TEST_CASE("custom codec: ip_address as inet", "[codec][custom]") {
  STATIC_REQUIRE(typedao::has_codec<ip_address>);
  STATIC_REQUIRE(typedao::detail::check_codec<ip_address>());
  STATIC_REQUIRE(typedao::has_codec<std::vector<ip_address>>);  // through array_oid
  STATIC_REQUIRE(codec<std::vector<ip_address>>::oid == 1041);
  STATIC_REQUIRE(codec<std::vector<ip_address>>::sql_type == "inet[]");
  STATIC_REQUIRE(typedao::detail::has_codec_check<ip_address>);

  // SELECT encode(inet_send('192.168.0.1/24'), 'hex') gives 021800 04 c0a80001.
  CHECK(to_hex(encode(netdemo::ipv4(192, 168, 0, 1, 24))) == "02180004c0a80001");
  CHECK(decode<ip_address>(hex("02180004c0a80001")) == netdemo::ipv4(192, 168, 0, 1, 24));
  ip_address v6{true, {0x20, 0x01, 0x0d, 0xb8}, 128};
  v6.bytes[15] = 1;
  CHECK(to_hex(encode(v6)) ==
        "03800010"
        "20010db8000000000000000000000001");
  check_round_trip(v6);
  check_round_trip(std::vector<ip_address>{netdemo::ipv4(10, 0, 0, 1), v6});

  CHECK(decode_error<ip_address>(hex("021800")) == "truncated inet value");
  CHECK(decode_error<ip_address>(hex("04180004c0a80001")) == "unknown inet address family");
  CHECK(decode_error<ip_address>(hex("02180010c0a80001")) ==
        "inet address length does not match its family");
  CHECK(decode_error<ip_address>(hex("02180004c0a800")) ==
        "inet address length does not match its family");
  CHECK(decode_error<ip_address>(hex("02210004c0a80001")) == "inet prefix longer than the address");

  CHECK(render(netdemo::ipv4(192, 168, 0, 1, 24)) == R"("192.168.0.1/24")");
  CHECK(render(netdemo::ipv4(10, 0, 0, 1)) == R"("10.0.0.1")");
  CHECK(check_reports(netdemo::ipv4(1, 2, 3, 4, 33)) ==
        std::vector<std::string>{": prefix length must be at most 32 (IPv4) or 128 (IPv6)"});
  CHECK(check_reports(netdemo::ipv4(1, 2, 3, 4, 32)).empty());
}

}  // namespace typedao_ut_codec_custom
