// Schema rules without a database (rules.hpp, regex.hpp, schema/validate.hpp): every field rule's
// pass and fail cases with Kong's exact message, NULL and empty-string handling, one message per
// member, every entity rule, entity rules skipped over invalid members, the order of the report
// and the SCHEMA_VIOLATION message formats (detail::schema_violation_in_order).

#include <typedao/regex.hpp>
#include <typedao/typedao.hpp>

#if __has_include(<typedao/json.hpp>)
#include <typedao/json.hpp>
#define TYPEDAO_TEST_HAVE_JSON 1
#endif

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

// Entities live in a namespace named after this file (g++ 12 gives templates keyed on member
// pointers weak linkage even inside an anonymous namespace: same-named entities of other files
// would share instantiations).
namespace typedao_ut_validate {
namespace {

using typedao::field_detail;

// Problems as "field: message | field: message" (readable when a CHECK fails).
std::string show(const std::vector<field_detail>& errs) {
  std::string out;
  for (const auto& e : errs) {
    if (!out.empty()) out += " | ";
    out += e.field + ": " + e.value;
  }
  return out;
}
template <class T>
std::string problems(const T& e) {
  return show(typedao::detail::validate(e));
}

// ---- one field rule per member ----------------------------------------------------------------

bool even(const std::int32_t& v) { return v % 2 == 0; }

struct Fields {
  typedao::uuid id;
  std::string eq_s = "fixed";
  std::int32_t eq_i = 5;
  bool eq_b = true;
  std::string ne_s;
  std::int32_t ne_i = 1;
  std::string one_of_s = "http";
  std::int32_t one_of_i = 1;
  std::string not_one_of_s;
  std::int64_t not_one_of_i = 0;
  std::int32_t gt_i = 1;
  double gt_d = 1.0;
  std::int32_t between_i = 80;
  double between_d = 0.5;
  std::int16_t between_small = 0;
  std::string len_eq_s = "abc";
  std::string len_min_s = "a";
  std::string len_max_s;
  std::vector<std::string> len_min_v;  // no non-empty default: g++ 12 ICEs on it (see ok())
  std::vector<std::int32_t> len_eq_v;
  std::set<std::int32_t> len_max_set;
  std::string starts_with_s = "/";
  std::vector<std::string> contains_v;
  std::set<std::int32_t> contains_set = {443};
  std::string custom_s;
  std::int32_t custom_fn = 0;
  std::string match_s = "abc";
  std::string not_match_s;
};
BOOST_DESCRIBE_STRUCT(Fields, (),
                      (id, eq_s, eq_i, eq_b, ne_s, ne_i, one_of_s, one_of_i, not_one_of_s,
                       not_one_of_i, gt_i, gt_d, between_i, between_d, between_small, len_eq_s,
                       len_min_s, len_max_s, len_min_v, len_eq_v, len_max_set, starts_with_s,
                       contains_v, contains_set, custom_s, custom_fn, match_s, not_match_s))
TYPEDAO_ENTITY(
    Fields, "fields", typedao::eq(&Fields::eq_s, "fixed"), typedao::eq(&Fields::eq_i, 5),
    typedao::eq(&Fields::eq_b, true), typedao::ne(&Fields::ne_s, "bad"),
    typedao::ne(&Fields::ne_i, 0), typedao::one_of(&Fields::one_of_s, "http", "https"),
    typedao::one_of(&Fields::one_of_i, 1, 2, 3),
    typedao::not_one_of(&Fields::not_one_of_s, "admin", "root"),
    typedao::not_one_of(&Fields::not_one_of_i, -1, 99), typedao::gt(&Fields::gt_i, 0),
    typedao::gt(&Fields::gt_d, 0.5), typedao::between(&Fields::between_i, 0, 65535),
    typedao::between(&Fields::between_d, 0.0, 1.0),
    typedao::between(&Fields::between_small, -10, 10), typedao::len_eq(&Fields::len_eq_s, 3),
    typedao::len_min(&Fields::len_min_s, 1), typedao::len_max(&Fields::len_max_s, 5),
    typedao::len_min(&Fields::len_min_v, 1), typedao::len_eq(&Fields::len_eq_v, 0),
    typedao::len_max(&Fields::len_max_set, 2), typedao::starts_with(&Fields::starts_with_s, "/"),
    typedao::contains(&Fields::contains_v, "http"), typedao::contains(&Fields::contains_set, 443),
    typedao::custom(
        &Fields::custom_s, [](const std::string& s) { return s.find(' ') == std::string::npos; },
        "must not contain spaces"),
    typedao::custom(&Fields::custom_fn, even, "must be even"),
    typedao::match(&Fields::match_s, "[a-z]+"), typedao::not_match(&Fields::not_match_s, "[0-9]"))

// A Fields value every rule accepts. (A std::vector<std::string> member with a non-empty default
// member initialiser makes g++ 12 crash inside Boost.PFR's field count, hence no defaults there.)
Fields ok() {
  Fields f;
  f.len_min_v = {"a"};
  f.contains_v = {"http"};
  return f;
}

// Rules over described enums: values compared as enumerators, messages use their names.
enum class proto_t { tcp, tls, udp };
BOOST_DESCRIBE_ENUM(proto_t, tcp, tls, udp)
enum class listen_mode { modern, legacy };
BOOST_DESCRIBE_ENUM(listen_mode, modern, legacy)

struct Listener {
  typedao::uuid id;
  proto_t proto = proto_t::tcp;
  listen_mode mode = listen_mode::modern;
  std::optional<proto_t> fallback = proto_t::tcp;
};
BOOST_DESCRIBE_STRUCT(Listener, (), (id, proto, mode, fallback))
TYPEDAO_ENTITY(Listener, "listeners", typedao::one_of(&Listener::proto, proto_t::tcp, proto_t::tls),
               typedao::not_one_of(&Listener::mode, listen_mode::legacy),
               typedao::eq(&Listener::fallback, proto_t::tcp))

}  // namespace
}  // namespace typedao_ut_validate

using namespace typedao_ut_validate;

TEST_CASE("validate: a value every rule accepts passes", "[unit][validate]") {
  CHECK(problems(ok()) == "");
  CHECK(typedao::detail::validate(ok()).empty());
  CHECK(problems(Fields{}) ==
        "len_min_v: length must be at least 1 | contains_v: expected to contain: http");
}

TEST_CASE("validate: eq / ne", "[unit][validate]") {
  Fields f = ok();
  f.eq_s = "other";
  CHECK(problems(f) == "eq_s: value must be fixed");
  f = ok();
  f.eq_s = "";  // an empty string is a value like any other
  CHECK(problems(f) == "eq_s: value must be fixed");
  f = ok();
  f.eq_i = 6;
  CHECK(problems(f) == "eq_i: value must be 5");
  f = ok();
  f.eq_b = false;
  CHECK(problems(f) == "eq_b: value must be true");

  f = ok();
  f.ne_s = "bad";
  CHECK(problems(f) == "ne_s: value must not be bad");
  f.ne_s = "bad ";
  CHECK(problems(f) == "");
  f = ok();
  f.ne_i = 0;
  CHECK(problems(f) == "ne_i: value must not be 0");
  f.ne_i = -1;
  CHECK(problems(f) == "");
}

TEST_CASE("validate: one_of / not_one_of", "[unit][validate]") {
  Fields f = ok();
  f.one_of_s = "https";
  CHECK(problems(f) == "");
  f.one_of_s = "ftp";
  CHECK(problems(f) == "one_of_s: expected one of: http, https");
  f.one_of_s = "HTTP";  // case-sensitive, like Kong
  CHECK(problems(f) == "one_of_s: expected one of: http, https");
  f.one_of_s = "";
  CHECK(problems(f) == "one_of_s: expected one of: http, https");
  f = ok();
  f.one_of_i = 3;
  CHECK(problems(f) == "");
  f.one_of_i = 4;
  CHECK(problems(f) == "one_of_i: expected one of: 1, 2, 3");

  f = ok();
  f.not_one_of_s = "root";
  CHECK(problems(f) == "not_one_of_s: must not be one of: admin, root");
  f.not_one_of_s = "rooted";
  CHECK(problems(f) == "");
  f = ok();
  f.not_one_of_i = 99;
  CHECK(problems(f) == "not_one_of_i: must not be one of: -1, 99");
  f.not_one_of_i = -1;
  CHECK(problems(f) == "not_one_of_i: must not be one of: -1, 99");
  f.not_one_of_i = std::numeric_limits<std::int64_t>::max();
  CHECK(problems(f) == "");
}

TEST_CASE("validate: one_of / not_one_of / eq on a described enum name the enumerators",
          "[unit][validate]") {
  Listener l;
  CHECK(problems(l) == "");
  l.proto = proto_t::udp;
  CHECK(problems(l) == "proto: expected one of: tcp, tls");
  l = Listener{};
  l.mode = listen_mode::legacy;
  CHECK(problems(l) == "mode: must not be one of: legacy");
  l = Listener{};
  l.fallback = proto_t::tls;
  CHECK(problems(l) == "fallback: value must be tcp");
  l = Listener{};
  l.fallback = std::nullopt;  // an absent optional is not checked (only required() demands one)
  CHECK(problems(l) == "");
}

TEST_CASE("validate: gt and between (inclusive; NaN fails)", "[unit][validate]") {
  Fields f = ok();
  f.gt_i = 0;
  CHECK(problems(f) == "gt_i: value must be greater than 0");
  f.gt_i = -5;
  CHECK(problems(f) == "gt_i: value must be greater than 0");
  f.gt_i = 1;
  CHECK(problems(f) == "");
  f = ok();
  f.gt_d = 0.5;
  CHECK(problems(f) == "gt_d: value must be greater than 0.5");
  f.gt_d = 0.5000001;
  CHECK(problems(f) == "");
  f.gt_d = std::nan("");
  CHECK(problems(f) == "gt_d: value must be greater than 0.5");

  f = ok();
  for (std::int32_t ok : {0, 1, 65535}) {
    f.between_i = ok;
    CHECK(problems(f) == "");
  }
  for (std::int32_t bad : {-1, 65536, std::numeric_limits<std::int32_t>::min()}) {
    f.between_i = bad;
    CHECK(problems(f) == "between_i: value should be between 0 and 65535");
  }
  f = ok();
  f.between_d = 1.0;
  CHECK(problems(f) == "");
  f.between_d = 1.5;
  CHECK(problems(f) == "between_d: value should be between 0 and 1");
  f.between_d = std::nan("");
  CHECK(problems(f) == "between_d: value should be between 0 and 1");
  f.between_d = std::numeric_limits<double>::infinity();
  CHECK(problems(f) == "between_d: value should be between 0 and 1");
  f = ok();
  f.between_small = -11;
  CHECK(problems(f) == "between_small: value should be between -10 and 10");
  f.between_small = -10;
  CHECK(problems(f) == "");
}

TEST_CASE("validate: len_eq / len_min / len_max on strings (bytes), arrays and sets (elements)",
          "[unit][validate]") {
  Fields f = ok();
  f.len_eq_s = "ab";
  CHECK(problems(f) == "len_eq_s: length must be 3");
  f.len_eq_s = "abcd";
  CHECK(problems(f) == "len_eq_s: length must be 3");
  f.len_eq_s = "\xc3\xa9t";  // "ét": 3 bytes, 2 characters
  CHECK(problems(f) == "");

  f = ok();
  f.len_min_s = "";
  CHECK(problems(f) == "len_min_s: length must be at least 1");
  f = ok();
  f.len_max_s = "123456";
  CHECK(problems(f) == "len_max_s: length must be at most 5");
  f.len_max_s = "12345";
  CHECK(problems(f) == "");

  f = ok();
  f.len_min_v = {};
  CHECK(problems(f) == "len_min_v: length must be at least 1");
  f.len_min_v = {""};  // one (empty) element
  CHECK(problems(f) == "");
  f = ok();
  f.len_eq_v = {1};
  CHECK(problems(f) == "len_eq_v: length must be 0");
  f = ok();
  f.len_max_set = {1, 2, 3};
  CHECK(problems(f) == "len_max_set: length must be at most 2");
  f.len_max_set = {1, 2};
  CHECK(problems(f) == "");
}

TEST_CASE("validate: starts_with, contains", "[unit][validate]") {
  Fields f = ok();
  f.starts_with_s = "/api";
  CHECK(problems(f) == "");
  f.starts_with_s = "api";
  CHECK(problems(f) == "starts_with_s: should start with: /");
  f.starts_with_s = "";
  CHECK(problems(f) == "starts_with_s: should start with: /");

  f = ok();
  f.contains_v = {"https", "http"};
  CHECK(problems(f) == "");
  f.contains_v = {"https"};
  CHECK(problems(f) == "contains_v: expected to contain: http");
  f.contains_v = {};
  CHECK(problems(f) == "contains_v: expected to contain: http");
  f = ok();
  f.contains_set = {80};
  CHECK(problems(f) == "contains_set: expected to contain: 443");
}

TEST_CASE("validate: custom predicates (lambda and function) report their message",
          "[unit][validate]") {
  Fields f = ok();
  f.custom_s = "a b";
  CHECK(problems(f) == "custom_s: must not contain spaces");
  f.custom_s = "ab";
  CHECK(problems(f) == "");
  f = ok();
  f.custom_fn = 3;
  CHECK(problems(f) == "custom_fn: must be even");
}

TEST_CASE("validate: match (whole value) and not_match (anywhere) report 'invalid value: <value>'",
          "[unit][validate]") {
  Fields f = ok();
  f.match_s = "abc1";
  CHECK(problems(f) == "match_s: invalid value: abc1");
  f.match_s = "1abc";
  CHECK(problems(f) == "match_s: invalid value: 1abc");
  f.match_s = "";
  CHECK(problems(f) == "match_s: invalid value: ");
  f = ok();
  f.not_match_s = "a1b";
  CHECK(problems(f) == "not_match_s: invalid value: a1b");
  f.not_match_s = "ab";
  CHECK(problems(f) == "");
}

TEST_CASE("validate: every failing member is reported, in declaration order", "[unit][validate]") {
  Fields f = ok();
  f.not_match_s = "9";
  f.eq_i = 0;
  f.len_max_set = {1, 2, 3};
  f.one_of_s = "ftp";
  CHECK(problems(f) ==
        "eq_i: value must be 5 | one_of_s: expected one of: http, https | len_max_set: length must "
        "be at most 2 | "
        "not_match_s: invalid value: 9");
}

TEST_CASE("rule functions: check_field_rule and the rule descriptors", "[unit][validate]") {
  using typedao::detail::check_field_rule;
  constexpr auto r = typedao::between(&Fields::between_i, 0, 65535);
  STATIC_REQUIRE(r.member == &Fields::between_i);
  STATIC_REQUIRE(r.rule.low == 0);
  STATIC_REQUIRE(r.rule.high == 65535);
  CHECK_FALSE(check_field_rule(std::int32_t{80}, r.rule));
  CHECK(check_field_rule(std::int32_t{-1}, r.rule) ==
        std::optional<std::string>("value should be between 0 and 65535"));
  // NULL passes every rule but required.
  CHECK_FALSE(check_field_rule(std::optional<std::int32_t>{}, r.rule));
  CHECK(check_field_rule(std::optional<std::int32_t>{70000}, r.rule).value_or("") ==
        "value should be between 0 and 65535");

  constexpr auto req = typedao::required(&Fields::ne_s);
  CHECK(check_field_rule(std::string(), req.rule).value_or("") == "required field missing");
  CHECK(check_field_rule(std::optional<std::string>{}, req.rule).value_or("") ==
        "required field missing");
  CHECK(check_field_rule(std::optional<std::string>{""}, req.rule).value_or("") ==
        "required field missing");
  CHECK_FALSE(check_field_rule(std::string("x"), req.rule));

  constexpr auto o = typedao::one_of(&Fields::one_of_s, "http", "https");
  STATIC_REQUIRE(std::is_same_v<decltype(o.rule.values[0]), const std::string_view&>);
  CHECK(typedao::detail::rule_message(std::string("ftp"), o.rule) ==
        "expected one of: http, https");
  CHECK(typedao::detail::rule_holds(std::string("https"), o.rule));
}

// ---- optional members and empty values ---------------------------------------------------------

namespace typedao_ut_validate {
namespace {

struct Opt {
  typedao::uuid id;
  std::optional<std::string> req;
  std::optional<std::string> proto;
  std::optional<std::int32_t> port;
  std::optional<std::string> path;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> none;
  std::optional<std::int32_t> odd;
  std::optional<std::string> name;
};
BOOST_DESCRIBE_STRUCT(Opt, (), (id, req, proto, port, path, tags, none, odd, name))
TYPEDAO_ENTITY(Opt, "opts", typedao::required(&Opt::req),
               typedao::one_of(&Opt::proto, "http", "https"),
               typedao::between(&Opt::port, 0, 65535), typedao::starts_with(&Opt::path, "/"),
               typedao::len_min(&Opt::tags, 1), typedao::absent(&Opt::none),
               typedao::custom(
                   &Opt::odd, [](const std::int32_t& v) { return v % 2 != 0; }, "must be odd"),
               typedao::match(&Opt::name, "[a-z]+"))

struct Empty {
  typedao::uuid id;
  std::string plain;
  std::string req;
  std::string min1;
  std::string proto;
  std::vector<std::string> req_v;
  std::set<std::string> req_s;
};
BOOST_DESCRIBE_STRUCT(Empty, (), (id, plain, req, min1, proto, req_v, req_s))
TYPEDAO_ENTITY(Empty, "empties", typedao::required(&Empty::req), typedao::len_min(&Empty::min1, 1),
               typedao::one_of(&Empty::proto, "http", "https"), typedao::required(&Empty::req_v),
               typedao::required(&Empty::req_s))

}  // namespace
}  // namespace typedao_ut_validate

TEST_CASE("validate: NULL (nullopt) passes every rule except required", "[unit][validate]") {
  Opt o;
  o.req = "x";
  CHECK(problems(o) == "");  // every other member is nullopt
  o.req.reset();
  CHECK(problems(o) == "req: required field missing");
  o.req = "";  // an engaged optional holding "" is missing too
  CHECK(problems(o) == "req: required field missing");
}

TEST_CASE("validate: an engaged optional is checked like the plain value", "[unit][validate]") {
  Opt o{.req = "x"};
  o.proto = "ftp";
  o.port = 70000;
  o.path = "x";
  o.tags = std::vector<std::string>{};
  o.none = "set";
  o.odd = 2;
  o.name = "A";
  CHECK(problems(o) ==
        "proto: expected one of: http, https | port: value should be between 0 and 65535 | path: "
        "should start with: / | "
        "tags: length must be at least 1 | none: value must be null | odd: must be odd | name: "
        "invalid value: A");
  o = {.req = "x",
       .proto = "http",
       .port = 0,
       .path = "/",
       .tags = std::vector<std::string>{"a"},
       .odd = 1,
       .name = "a"};
  CHECK(problems(o) == "");
  // absent(): "" and {} count as absent, like nullopt.
  o.none = "";
  CHECK(problems(o) == "");
}

TEST_CASE("validate: empty strings are allowed unless the member declares required or len_min",
          "[unit][validate]") {
  Empty e{.req = "r", .min1 = "m", .proto = "http", .req_v = {"a"}, .req_s = {"a"}};
  CHECK(problems(e) == "");
  CHECK(e.plain.empty());  // no rule: "" is stored as it is

  e.req = "";
  CHECK(problems(e) == "req: required field missing");
  e.req = "r";
  e.min1 = "";
  CHECK(problems(e) == "min1: length must be at least 1");
  e.min1 = "m";
  // Other rules treat "" as a value: it is not one of http, https.
  e.proto = "";
  CHECK(problems(e) == "proto: expected one of: http, https");
  e.proto = "http";
  e.req_v.clear();
  e.req_s.clear();
  CHECK(problems(e) == "req_v: required field missing | req_s: required field missing");
  e.req_v = {""};  // present: one element (empty)
  e.req_s = {""};
  CHECK(problems(e) == "");
}

// ---- one message per member
// ----------------------------------------------------------------------

namespace typedao_ut_validate {
namespace {

struct Multi {
  typedao::uuid id;
  std::string path = "/ab";
  std::optional<std::int32_t> port;
};
BOOST_DESCRIBE_STRUCT(Multi, (), (id, path, port))
TYPEDAO_ENTITY(Multi, "multis", typedao::required(&Multi::path), typedao::len_min(&Multi::path, 2),
               typedao::starts_with(&Multi::path, "/"), typedao::len_max(&Multi::path, 5),
               typedao::gt(&Multi::port, 0), typedao::between(&Multi::port, 1, 1000),
               typedao::ne(&Multi::port, 500))

}  // namespace
}  // namespace typedao_ut_validate

TEST_CASE("validate: one message per member, the first failing rule in declaration order",
          "[unit][validate]") {
  Multi m;
  CHECK(problems(m) == "");
  m.path = "";
  CHECK(problems(m) == "path: required field missing");
  m.path = "a";  // fails len_min and starts_with: only len_min is reported
  CHECK(problems(m) == "path: length must be at least 2");
  m.path = "ab";
  CHECK(problems(m) == "path: should start with: /");
  m.path = "abcdefg";  // fails starts_with and len_max
  CHECK(problems(m) == "path: should start with: /");
  m.path = "/abcdefg";
  CHECK(problems(m) == "path: length must be at most 5");

  m = {};
  m.port = -1;  // fails gt and between
  CHECK(problems(m) == "port: value must be greater than 0");
  m.port = 2000;
  CHECK(problems(m) == "port: value should be between 1 and 1000");
  m.port = 500;
  CHECK(problems(m) == "port: value must not be 500");
  m.path = "x";
  CHECK(problems(m) == "path: length must be at least 2 | port: value must not be 500");
  CHECK(typedao::detail::validate(m).size() == 2);
}

// ---- text and text[] values: UTF-8 / NUL problems by element index ------------------------------

TEST_CASE("check_value: text[] elements are reported by 1-based index", "[unit][validate]") {
  std::vector<field_detail> errs;
  std::vector<std::string> tags{"ok", "bad\xff", "fine", std::string("n\0ul", 4)};
  typedao::detail::check_value(tags, std::string("tags"), errs);
  CHECK(show(errs) == "tags.2: expected a valid UTF-8 string | tags.4: must not contain NUL bytes");

  errs.clear();
  std::optional<std::set<std::string>> s =
      std::set<std::string>{"\xc3", "a"};  // sorted: "a", "\xc3"
  typedao::detail::check_value(s, std::string("protocols"), errs);
  CHECK(show(errs) == "protocols.2: expected a valid UTF-8 string");

  errs.clear();
  typedao::detail::check_value(std::string("caf\xc3\xa9"), std::string("name"), errs);
  CHECK(errs.empty());
}

// ---- entity rules
// ----------------------------------------------------------------------------------

namespace typedao_ut_validate {
namespace {

struct AtLeast {
  typedao::uuid id;
  std::optional<std::string> name;
  std::string path;
  std::vector<std::string> hosts;
};
BOOST_DESCRIBE_STRUCT(AtLeast, (), (id, name, path, hosts))
TYPEDAO_ENTITY(AtLeast, "at_leasts",
               typedao::at_least_one_of(&AtLeast::name, &AtLeast::path, &AtLeast::hosts))

struct OnlyOne {
  typedao::uuid id;
  std::optional<std::string> a;
  std::optional<std::int32_t> b;
};
BOOST_DESCRIBE_STRUCT(OnlyOne, (), (id, a, b))
TYPEDAO_ENTITY(OnlyOne, "only_ones", typedao::only_one_of(&OnlyOne::a, &OnlyOne::b))

struct Pair {
  typedao::uuid id;
  std::string cert;
  std::string key;
  std::optional<std::string> x;
  std::optional<std::string> y;
  std::optional<std::string> z;
};
BOOST_DESCRIBE_STRUCT(Pair, (), (id, cert, key, x, y, z))
TYPEDAO_ENTITY(Pair, "pairs", typedao::mutually_required(&Pair::cert, &Pair::key),
               typedao::mutually_exclusive(&Pair::x, &Pair::y, &Pair::z))

struct Distinct {
  typedao::uuid id;
  std::string a = "a";
  std::string b = "b";
  std::int32_t p = 1;
  std::int32_t q = 2;
  std::int32_t r = 3;
};
BOOST_DESCRIBE_STRUCT(Distinct, (), (id, a, b, p, q, r))
TYPEDAO_ENTITY(Distinct, "distincts", typedao::distinct(&Distinct::a, &Distinct::b),
               typedao::distinct(&Distinct::p, &Distinct::q, &Distinct::r))

struct Cond {
  typedao::uuid id;
  std::string protocol = "http";
  std::optional<std::string> path;
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Cond, (), (id, protocol, path, port))
TYPEDAO_ENTITY(Cond, "conds", typedao::one_of(&Cond::protocol, "http", "https", "tcp"),
               typedao::conditional(typedao::one_of(&Cond::protocol, "tcp"),
                                    typedao::absent(&Cond::path)),
               typedao::conditional(typedao::eq(&Cond::protocol, "https"),
                                    typedao::eq(&Cond::port, 443)))

struct Range {
  typedao::uuid id;
  std::int32_t low = 0;
  std::int32_t high = 10;
};
BOOST_DESCRIBE_STRUCT(Range, (), (id, low, high))
TYPEDAO_ENTITY(Range, "ranges",
               typedao::check([](const Range& r) { return r.low <= r.high; },
                              "low must not exceed high"))

struct Skip {
  typedao::uuid id;
  std::string mode = "a";
  std::optional<std::string> a;
  std::optional<std::string> b;
  std::int32_t low = 0;
  std::int32_t high = 10;
};
BOOST_DESCRIBE_STRUCT(Skip, (), (id, mode, a, b, low, high))
TYPEDAO_ENTITY(Skip, "skips", typedao::len_max(&Skip::a, 3), typedao::len_max(&Skip::b, 3),
               typedao::one_of(&Skip::mode, "a", "b", "x"), typedao::between(&Skip::high, 0, 100),
               typedao::mutually_exclusive(&Skip::a, &Skip::b),
               typedao::distinct(&Skip::a, &Skip::b),
               typedao::conditional(typedao::eq(&Skip::mode, "x"), typedao::absent(&Skip::b)),
               typedao::check([](const Skip& s) { return s.low <= s.high; },
                              "low must not exceed high"))

}  // namespace
}  // namespace typedao_ut_validate

TEST_CASE("entity rule: at_least_one_of (nullopt, \"\" and {} are empty)",
          "[unit][validate][entity_rules]") {
  AtLeast e;
  CHECK(show(typedao::detail::validate(e)) ==
        "@entity: at least one of these fields must be non-empty: 'name', 'path', 'hosts'");
  e.name = "";
  CHECK(problems(e) ==
        "@entity: at least one of these fields must be non-empty: 'name', 'path', 'hosts'");
  e.name = "n";
  CHECK(problems(e) == "");
  e = {};
  e.path = "/";
  CHECK(problems(e) == "");
  e = {};
  e.hosts = {"h"};
  CHECK(problems(e) == "");
  e.name = "n";
  e.path = "/";
  CHECK(problems(e) == "");
}

TEST_CASE("entity rule: only_one_of (exactly one)", "[unit][validate][entity_rules]") {
  OnlyOne e;
  CHECK(problems(e) == "@entity: exactly one of these fields must be non-empty: 'a', 'b'");
  e.a = "x";
  CHECK(problems(e) == "");
  e.b = 0;  // 0 is a value (present)
  CHECK(problems(e) == "@entity: exactly one of these fields must be non-empty: 'a', 'b'");
  e.a.reset();
  CHECK(problems(e) == "");
}

TEST_CASE("entity rule: mutually_required (all or none) and mutually_exclusive (at most one)",
          "[unit][validate][entity_rules]") {
  Pair p;
  CHECK(problems(p) == "");
  p.cert = "c";
  CHECK(problems(p) == "@entity: all or none of these fields must be set: 'cert', 'key'");
  p.key = "k";
  CHECK(problems(p) == "");
  p.cert = "";
  CHECK(problems(p) == "@entity: all or none of these fields must be set: 'cert', 'key'");

  p = {};
  p.x = "1";
  CHECK(problems(p) == "");
  p.z = "3";
  CHECK(problems(p) == "@entity: only one or none of these fields must be set: 'x', 'y', 'z'");
  p.z = "";  // "" counts as not set
  CHECK(problems(p) == "");
  p.x.reset();
  p.y = "2";
  p.z = "3";
  CHECK(problems(p) == "@entity: only one or none of these fields must be set: 'x', 'y', 'z'");
}

TEST_CASE("entity rule: distinct with two and three members (every pair)",
          "[unit][validate][entity_rules]") {
  Distinct d;
  CHECK(problems(d) == "");
  d.b = "a";
  CHECK(problems(d) == "@entity: values of these fields must be distinct: 'a', 'b'");
  d = {};
  d.q = 1;  // p == q
  CHECK(problems(d) == "@entity: values of these fields must be distinct: 'p', 'q', 'r'");
  d = {};
  d.r = 1;  // p == r
  CHECK(problems(d) == "@entity: values of these fields must be distinct: 'p', 'q', 'r'");
  d = {};
  d.r = 2;  // q == r (not involving the first member)
  CHECK(problems(d) == "@entity: values of these fields must be distinct: 'p', 'q', 'r'");
  d.b = "a";
  CHECK(problems(d) ==
        "@entity: values of these fields must be distinct: 'a', 'b' | "
        "@entity: values of these fields must be distinct: 'p', 'q', 'r'");
}

TEST_CASE("entity rule: distinct compares only the values that are set",
          "[unit][validate][entity_rules]") {
  Distinct d;
  d.a = "";
  d.b = "";  // two empty strings do not clash
  CHECK(problems(d) == "");
  Skip s;  // distinct(a, b) over two std::optional members, both nullopt
  CHECK(problems(s) == "");
  s.a = "x";
  CHECK(problems(s) == "");
  s.b = "x";
  CHECK(problems(s) ==
        "@entity: only one or none of these fields must be set: 'a', 'b' | "
        "@entity: values of these fields must be distinct: 'a', 'b'");
}

TEST_CASE("entity rule: conditional reports the entity message and the member's",
          "[unit][validate][entity_rules]") {
  Cond c;
  CHECK(problems(c) == "");
  c.path = "/x";  // http with a path: fine
  CHECK(problems(c) == "");
  c.protocol = "tcp";
  CHECK(problems(c) ==
        "@entity: failed conditional validation given value of field 'protocol' | path: value must "
        "be null");
  c.path.reset();
  CHECK(problems(c) == "");
  c.path = "";
  CHECK(problems(c) == "");

  c = {};
  c.protocol = "https";  // port 80
  CHECK(problems(c) ==
        "@entity: failed conditional validation given value of field 'protocol' | port: value must "
        "be 443");
  c.port = 443;
  CHECK(problems(c) == "");
  c.protocol = "http";  // the condition does not hold: port 443 with http is fine
  CHECK(problems(c) == "");
}

TEST_CASE("entity rule: check() with a custom predicate and message",
          "[unit][validate][entity_rules]") {
  Range r;
  CHECK(problems(r) == "");
  r.low = 11;
  CHECK(problems(r) == "@entity: low must not exceed high");
  r.high = 11;
  CHECK(problems(r) == "");
}

// ---- entity rules skipped over invalid members
// ------------------------------------------------------

TEST_CASE("entity rules are skipped when one of their members already failed",
          "[unit][validate][entity_rules]") {
  Skip s;
  s.a = "x";
  s.b = "x";
  CHECK(problems(s) ==
        "@entity: only one or none of these fields must be set: 'a', 'b' | "
        "@entity: values of these fields must be distinct: 'a', 'b'");
  s.a = "toolong";  // a fails its own rule: neither entity rule over a runs
  CHECK(problems(s) == "a: length must be at most 3");

  // conditional: skipped when the if-member failed...
  s = {};
  s.mode = "y";
  s.b = "x";
  CHECK(problems(s) == "mode: expected one of: a, b, x");
  // ... holds and fails ...
  s.mode = "x";
  CHECK(
      problems(s) ==
      "@entity: failed conditional validation given value of field 'mode' | b: value must be null");
  // ... and skipped when the then-member failed its own rule (as Kong's entity checks).
  s.b = "toolong";
  CHECK(problems(s) == "b: length must be at most 3");
}

TEST_CASE("a custom entity check() is skipped when any member already failed",
          "[unit][validate][entity_rules]") {
  Skip s;
  s.low = 50;
  s.high = 20;
  CHECK(problems(s) == "@entity: low must not exceed high");
  s.high = -1;  // high fails between: the check over the whole entity does not run
  CHECK(problems(s) == "high: value should be between 0 and 100");
}

// ---- order of the report and the message formats ------------------------------------------------

namespace typedao_ut_validate {
namespace {

struct Order {
  typedao::uuid id;
  std::string protocol = "http";
  std::optional<std::string> path;
  std::int32_t port = 80;
  std::optional<std::string> name;
  std::optional<std::string> host;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Order, (), (id, protocol, path, port, name, host, tags))
TYPEDAO_ENTITY(Order, "orders", typedao::between(&Order::port, 0, 65535),
               typedao::len_max(&Order::tags, 2),
               typedao::one_of(&Order::protocol, "http", "https", "tcp"),
               typedao::conditional(typedao::one_of(&Order::protocol, "tcp"),
                                    typedao::absent(&Order::path)),
               typedao::at_least_one_of(&Order::name, &Order::host))

}  // namespace
}  // namespace typedao_ut_validate

TEST_CASE(
    "order: entity-level messages first (in declaration order), then members in declaration order",
    "[unit][validate][order]") {
  Order o{.protocol = "tcp", .path = "/x", .port = 70000, .tags = {"a", "b", "c"}};
  auto errs = typedao::detail::validate(o);
  // The conditional's member error (path) goes before port, which comes later in the struct.
  CHECK(show(errs) ==
        "@entity: failed conditional validation given value of field 'protocol' | "
        "@entity: at least one of these fields must be non-empty: 'name', 'host' | "
        "path: value must be null | port: value should be between 0 and 65535 | tags: length must "
        "be at most 2");
  auto e = typedao::detail::schema_violation_in_order(errs);
  CHECK(e.code == typedao::error_code::schema_violation);
  CHECK(e.constant() == "SCHEMA_VIOLATION");
  CHECK(e.name() == "schema violation");
  CHECK(e.message ==
        "5 schema violations (failed conditional validation given value of field 'protocol'; "
        "at least one of these fields must be non-empty: 'name', 'host'; path: value must be null; "
        "port: value should be between 0 and 65535; tags: length must be at most 2)");
  CHECK(e.fields == errs);
  REQUIRE(e.field("port") != nullptr);
  CHECK(e.field("port")->value == "value should be between 0 and 65535");
}

TEST_CASE("schema_violation_in_order: one error, several errors, entity-level first",
          "[unit][validate][order]") {
  using typedao::detail::schema_violation_in_order;
  auto one = schema_violation_in_order({{"host", "required field missing"}});
  CHECK(one.message == "schema violation (host: required field missing)");
  CHECK(one.to_string() == "[postgres] schema violation (host: required field missing)");
  CHECK(one.fields == std::vector<field_detail>{{"host", "required field missing"}});

  auto ent = schema_violation_in_order(
      {{"@entity", "at least one of these fields must be non-empty: 'a', 'b'"}});
  CHECK(ent.message ==
        "schema violation (at least one of these fields must be non-empty: 'a', 'b')");

  auto three = schema_violation_in_order({{"b.c", "expected a valid UTF-8 string"},
                                          {"@entity", "low must not exceed high"},
                                          {"a", "value must be 1"}});
  CHECK(three.message ==
        "3 schema violations (low must not exceed high; b.c: expected a valid UTF-8 string; a: "
        "value must be 1)");
  CHECK(three.fields == std::vector<field_detail>{{"@entity", "low must not exceed high"},
                                                  {"b.c", "expected a valid UTF-8 string"},
                                                  {"a", "value must be 1"}});
}

#ifdef TYPEDAO_TEST_HAVE_JSON
namespace typedao_ut_validate {
namespace {

struct WithMap {
  typedao::uuid id;
  std::map<std::string, std::string> labels;
};
BOOST_DESCRIBE_STRUCT(WithMap, (), (id, labels))
TYPEDAO_ENTITY(WithMap, "with_maps", typedao::len_min(&WithMap::labels, 1),
               typedao::len_max(&WithMap::labels, 2))

}  // namespace
}  // namespace typedao_ut_validate

TEST_CASE("validate: len_min / len_max on a map count its entries", "[unit][validate]") {
  WithMap m;
  CHECK(problems(m) == "labels: length must be at least 1");
  m.labels = {{"a", "1"}};
  CHECK(problems(m) == "");
  m.labels = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  CHECK(problems(m) == "labels: length must be at most 2");
}
#endif

// ---- rules on the elements of arrays and sets (Kong's `elements = { ... }`)
// ----------------------

namespace typedao_ut_validate {
namespace {

bool lower_case(const std::string& s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return false;
  return true;
}

// Kong's routes: protocols = { type = "set", elements = { one_of = { ... } } }.
struct Gateway {
  typedao::uuid id;
  std::set<std::string> protocols;
  std::vector<std::string> hosts;
  std::vector<std::int32_t> ports;
  std::optional<std::vector<std::string>> paths;
  std::vector<std::string> tags;
  std::vector<std::string> methods;
};
BOOST_DESCRIBE_STRUCT(Gateway, (), (id, protocols, hosts, ports, paths, tags, methods))
TYPEDAO_ENTITY(
    Gateway, "gateways", typedao::one_of(&Gateway::protocols, "http", "https", "grpc"),
    typedao::not_one_of(&Gateway::hosts, "localhost"), typedao::starts_with(&Gateway::hosts, "h"),
    typedao::between(&Gateway::ports, 1, 65535), typedao::match(&Gateway::paths, "/[a-z0-9/]*"),
    typedao::elements(typedao::len_max(&Gateway::tags, 3)), typedao::len_max(&Gateway::tags, 4),
    typedao::elements(typedao::custom(&Gateway::methods, lower_case, "must be lower case")))

}  // namespace
}  // namespace typedao_ut_validate

TEST_CASE("validate: element rules apply to each element, reported by 1-based position",
          "[unit][validate][elements]") {
  Gateway g;
  CHECK(problems(g) == "");
  g.protocols = {"http", "https"};
  g.hosts = {"h1", "h2"};
  g.ports = {80, 443};
  g.paths = std::vector<std::string>{"/a", "/b/c"};
  g.tags = {"a", "bc", "def"};
  g.methods = {"get"};
  CHECK(problems(g) == "");

  // A set is checked in its (sorted) order.
  g.protocols = {"ftp", "http", "ws"};
  CHECK(problems(g) ==
        "protocols.1: expected one of: http, https, grpc | protocols.3: expected one of: http, "
        "https, grpc");
  g.protocols = {"http"};

  // One rule's problems per member (the first failing rule), every failing element of it.
  g.hosts = {"h1", "localhost", "x", "localhost"};
  CHECK(problems(g) ==
        "hosts.2: must not be one of: localhost | hosts.4: must not be one of: localhost");
  g.hosts = {"h1", "x"};
  CHECK(problems(g) == "hosts.2: should start with: h");
  g.hosts = {};

  g.ports = {0, 80, 70000};
  CHECK(problems(g) ==
        "ports.1: value should be between 1 and 65535 | ports.3: value should be between 1 and "
        "65535");
  g.ports = {};

  g.paths = std::vector<std::string>{"/ok", "/Bad"};
  CHECK(problems(g) == "paths.2: invalid value: /Bad");
  g.paths.reset();  // NULL passes

  // elements(len_max) is per element; len_max on the member is the array's length.
  g.tags = {"abcd", "a"};
  CHECK(problems(g) == "tags.1: length must be at most 3");
  g.tags = {"a", "b", "c", "d", "e"};
  CHECK(problems(g) == "tags: length must be at most 4");
  g.tags = {};

  g.methods = {"get", "POST"};
  CHECK(problems(g) == "methods.2: must be lower case");
}

TEST_CASE("validate: element rules in the SCHEMA_VIOLATION message, Kong's order",
          "[unit][validate][elements]") {
  Gateway g;
  g.protocols = {"ftp", "http"};
  g.ports = {1, 2, 0};
  auto e = typedao::detail::schema_violation_of<Gateway>(typedao::detail::validate(g));
  CHECK(e.message ==
        "2 schema violations (protocols.1: expected one of: http, https, grpc; ports.3: value "
        "should be between 1 "
        "and 65535)");
  CHECK(e.fields == std::vector<field_detail>{{"protocols.1", "expected one of: http, https, grpc"},
                                              {"ports.3", "value should be between 1 and 65535"}});
}
