// libFuzzer over every decoder: the first byte picks a codec, the rest is the value's bytes as
// the server would send them. Properties, for every input:
//   - decode never crashes, never reads out of bounds, never hits UB (ASan, UBSan), never throws;
//   - a value that decodes re-encodes without throwing, and that encoding decodes to an equal
//     value (floats compared bit for bit);
//   - a decoded numeric is canonical: numeric::parse(n.str()) == n;
//   - render and the pre-send checks accept whatever decoded.
// Built only with clang (tests/CMakeLists.txt); ctest runs it for TYPEDAO_FUZZ_SECONDS.

#include <typedao/codec.hpp>
#include <typedao/json.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fuzz {

enum class protocol { http, https, grpc, grpcs, tcp, tls };
BOOST_DESCRIBE_ENUM(protocol, http, https, grpc, grpcs, tcp, tls)

struct limits {
  std::int32_t burst = 10;
  std::optional<double> rate;
  float ratio = 0.5f;
  std::int16_t small = 0;
  bool enabled = true;
  friend bool operator==(const limits&, const limits&) = default;
};
BOOST_DESCRIBE_STRUCT(limits, (), (burst, rate, ratio, small, enabled))

struct route_config {
  std::string name;
  std::vector<std::string> hosts;
  std::set<protocol> protocols;
  std::optional<limits> limit;
  std::map<std::string, std::int64_t> counters;
  std::vector<limits> tiers;
  typedao::uuid owner{};
  typedao::timestamp since{};
  std::optional<typedao::date> until;
  typedao::numeric price;
  typedao::bytes key;
  typedao::json_value extra;
  friend bool operator==(const route_config&, const route_config&) = default;
};
BOOST_DESCRIBE_STRUCT(route_config, (),
                      (name, hosts, protocols, limit, counters, tiers, owner, since, until, price,
                       key, extra))

template <class T>
bool same(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
  } else if constexpr (std::is_same_v<T, std::vector<float>> ||
                       std::is_same_v<T, std::vector<double>>) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  } else {
    return a == b;
  }
}

[[noreturn]] void fail(const char* what, const char* detail) {
  std::fprintf(stderr, "fuzz property violated: %s%s%s\n", what, detail ? ": " : "",
               detail ? detail : "");
  std::abort();
}

template <class T>
std::string encode(const T& v) {
  typedao::detail::param_set<1> ps;
  {
    auto w = ps.writer(0);
    typedao::customize::codec<T>::encode(v, w);
  }
  ps.finish();
  if (ps.values()[0] == nullptr) fail("encode produced NULL", nullptr);
  return std::string(ps.values()[0], static_cast<std::size_t>(ps.lengths()[0]));
}

template <class T>
void run(const char* data, std::size_t n) {
  using C = typedao::customize::codec<T>;
  T v{};
  if (C::decode(data, n, v) != nullptr) return;

  const std::string bytes = encode(v);
  T again{};
  if (const char* err = C::decode(bytes.data(), bytes.size(), again))
    fail("re-encoded value does not decode", err);
  if (!same(v, again)) fail("round trip changed the value", nullptr);
  if (encode(again) != bytes) fail("encoding is not deterministic", nullptr);

  if constexpr (std::is_same_v<T, typedao::numeric>) {
    auto p = typedao::numeric::parse(v.str());
    if (!p || !(*p == v)) fail("decoded numeric is not canonical", v.str().c_str());
  }
  std::string r;
  C::render(v, r);
  if constexpr (typedao::detail::has_codec_check<T>) {
    C::check(v, [](std::string_view, std::string_view) {});
  }
}

using run_fn = void (*)(const char*, std::size_t);

constexpr run_fn runners[] = {
    run<bool>,
    run<std::int16_t>,
    run<std::int32_t>,
    run<std::int64_t>,
    run<float>,
    run<double>,
    run<std::string>,
    run<typedao::bytes>,
    run<typedao::uuid>,
    run<typedao::timestamp>,
    run<typedao::date>,
    run<typedao::numeric>,
    run<protocol>,
    run<std::vector<std::string>>,
    run<std::vector<std::int16_t>>,
    run<std::vector<std::int32_t>>,
    run<std::vector<std::int64_t>>,
    run<std::vector<bool>>,
    run<std::vector<float>>,
    run<std::vector<double>>,
    run<std::vector<typedao::bytes>>,
    run<std::vector<typedao::uuid>>,
    run<std::vector<typedao::timestamp>>,
    run<std::vector<typedao::date>>,
    run<std::vector<typedao::numeric>>,
    run<std::vector<protocol>>,
    run<std::set<std::string>>,
    run<std::set<std::int64_t>>,
    run<std::set<protocol>>,
    run<limits>,
    run<route_config>,
    run<std::map<std::string, limits>>,
    run<std::vector<limits>>,
    run<typedao::json_value>,
    run<boost::json::object>,
    run<boost::json::array>,
};

}  // namespace fuzz

#ifdef TYPEDAO_FUZZ_WRITE_SEEDS
// Writes the seed corpus (valid encodings of a few values per codec) into the folder given:
//   clang++-16 -std=c++20 -DTYPEDAO_FUZZ_WRITE_SEEDS -Iinclude tests/fuzz/decoders_fuzz.cpp \
//     -lboost_json -o /tmp/seeds && /tmp/seeds tests/fuzz/corpus/decoders
#include <boost/json/parse.hpp>

#include <chrono>

namespace fuzz {

template <class T>
std::vector<T> samples();

template <class T>
void write_seeds(const char* dir, std::size_t index) {
  std::size_t k = 0;
  for (const T& v : samples<T>()) {
    const std::string bytes = static_cast<char>(index) + encode(v);
    const std::string path =
        std::string(dir) + "/seed_" + std::to_string(index) + "_" + std::to_string(k++);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail("cannot write", path.c_str());
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

using namespace std::chrono;
const typedao::uuid some_uuid = *typedao::parse_uuid("01234567-89ab-cdef-fedc-ba9876543210");
const typedao::timestamp some_time =
    typedao::timestamp{sys_days{year{2024} / May / 1}} + microseconds{123456};
const typedao::date some_date = sys_days{year{1999} / December / 31};

// clang-format off
template <> std::vector<bool> samples() { return {true, false}; }
template <> std::vector<std::int16_t> samples() { return {-32768, 80}; }
template <> std::vector<std::int32_t> samples() { return {8080, -1}; }
template <> std::vector<std::int64_t> samples() { return {INT64_MIN, 1234567890123}; }
template <> std::vector<float> samples() { return {1.5f, -0.0f}; }
template <> std::vector<double> samples() { return {0.1, 1e300}; }
template <> std::vector<std::string> samples() { return {"", "httpbin.org", "caf\xc3\xa9"}; }
template <> std::vector<typedao::bytes> samples() { return {{}, {std::byte{0}, std::byte{255}}}; }
template <> std::vector<typedao::uuid> samples() { return {some_uuid}; }
template <> std::vector<typedao::timestamp> samples() { return {some_time, typedao::timestamp::max()}; }
template <> std::vector<typedao::date> samples() { return {some_date, typedao::date::min()}; }
template <> std::vector<typedao::numeric> samples() {
  return {typedao::numeric("-123456789.000012345"), typedao::numeric("0.0001"), typedao::numeric("1e20"),
          typedao::numeric::nan(), typedao::numeric::minus_infinity()};
}
template <> std::vector<protocol> samples() { return {protocol::https}; }
template <> std::vector<std::vector<std::string>> samples() { return {{}, {"a", "bc"}}; }
template <> std::vector<std::vector<std::int16_t>> samples() { return {{1, -2}}; }
template <> std::vector<std::vector<std::int32_t>> samples() { return {{1, 2, 3}}; }
template <> std::vector<std::vector<std::int64_t>> samples() { return {{INT64_MAX}}; }
template <> std::vector<std::vector<bool>> samples() { return {{true, false}}; }
template <> std::vector<std::vector<float>> samples() { return {{0.5f}}; }
template <> std::vector<std::vector<double>> samples() { return {{2.5, -1e-300}}; }
template <> std::vector<std::vector<typedao::bytes>> samples() { return {{{std::byte{1}}, {}}}; }
template <> std::vector<std::vector<typedao::uuid>> samples() { return {{some_uuid, typedao::uuid{}}}; }
template <> std::vector<std::vector<typedao::timestamp>> samples() { return {{some_time}}; }
template <> std::vector<std::vector<typedao::date>> samples() { return {{some_date}}; }
template <> std::vector<std::vector<typedao::numeric>> samples() { return {{typedao::numeric("1.5"), typedao::numeric::nan()}}; }
template <> std::vector<std::vector<protocol>> samples() { return {{protocol::http, protocol::tls}}; }
template <> std::vector<std::set<std::string>> samples() { return {{"x", "y"}}; }
template <> std::vector<std::set<std::int64_t>> samples() { return {{1, 5}}; }
template <> std::vector<std::set<protocol>> samples() { return {{protocol::grpc, protocol::tcp}}; }
template <> std::vector<limits> samples() { return {limits{}, limits{.burst = -5, .rate = 0.25, .ratio = 1e10f, .small = 7, .enabled = false}}; }
template <> std::vector<route_config> samples() {
  route_config r;
  r.name = "r\u00e9";
  r.hosts = {"example.com"};
  r.protocols = {protocol::http, protocol::https};
  r.limit = limits{};
  r.counters = {{"a", 1}, {"b", -2}};
  r.tiers = {limits{}};
  r.owner = some_uuid;
  r.since = some_time;
  r.until = some_date;
  r.price = typedao::numeric("19.99");
  r.key = {std::byte{42}};
  r.extra = boost::json::parse(R"({"k":[1,2.5,"s",null,true,{"n":{}}]})");
  return {route_config{}, r};
}
template <> std::vector<std::map<std::string, limits>> samples() { return {{{"free", limits{}}}}; }
template <> std::vector<std::vector<limits>> samples() { return {{limits{}, limits{.burst = 1}}}; }
template <> std::vector<typedao::json_value> samples() {
  return {boost::json::parse(R"({"a":[1,-2,3.25,1e300,"x\n",false,null],"b":{"c":18446744073709551615}})"),
          boost::json::value(42)};
}
template <> std::vector<boost::json::object> samples() { return {boost::json::parse(R"({"x":1})").as_object()}; }
template <> std::vector<boost::json::array> samples() { return {boost::json::parse(R"([[],{}])").as_array()}; }
// clang-format on

template <class... T>
struct type_list {};

using all_types =
    type_list<bool, std::int16_t, std::int32_t, std::int64_t, float, double, std::string,
              typedao::bytes, typedao::uuid, typedao::timestamp, typedao::date, typedao::numeric,
              protocol, std::vector<std::string>, std::vector<std::int16_t>,
              std::vector<std::int32_t>, std::vector<std::int64_t>, std::vector<bool>,
              std::vector<float>, std::vector<double>, std::vector<typedao::bytes>,
              std::vector<typedao::uuid>, std::vector<typedao::timestamp>,
              std::vector<typedao::date>, std::vector<typedao::numeric>, std::vector<protocol>,
              std::set<std::string>, std::set<std::int64_t>, std::set<protocol>, limits,
              route_config, std::map<std::string, limits>, std::vector<limits>, typedao::json_value,
              boost::json::object, boost::json::array>;

template <class... T>
void write_all(const char* dir, type_list<T...>) {
  static_assert(sizeof...(T) == sizeof(runners) / sizeof(runners[0]), "one sample list per runner");
  std::size_t i = 0;
  ((write_seeds<T>(dir, i++)), ...);
}

}  // namespace fuzz

int main(int argc, char** argv) {
  if (argc != 2) fuzz::fail("usage: seeds <folder>", nullptr);
  fuzz::write_all(argv[1], fuzz::all_types{});
  return 0;
}
#else
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::size_t count = sizeof(fuzz::runners) / sizeof(fuzz::runners[0]);
  const std::size_t which = data[0] % count;
  // The value's bytes end exactly where libFuzzer's allocation ends: ASan sees any overread.
  fuzz::runners[which](reinterpret_cast<const char*>(data) + 1, size - 1);
  return 0;
}
#endif
