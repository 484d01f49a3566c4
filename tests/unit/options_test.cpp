// Per-call options without a database (options.hpp): Kong's tag rule (valid_tag), the
// INVALID_OPTIONS message formats of option_errors, and the checks check_ttl and
// check_page_options apply.

#include <typedao/dao/options.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace typedao_ut_options {

using typedao::field_detail;
using typedao::page_options;
using typedao::pagination;
using typedao::detail::check_page_options;
using typedao::detail::check_ttl;
using typedao::detail::option_errors;
using typedao::detail::valid_tag;

namespace {
const std::string bad_tag = "must only contain printable ascii (except `,` and `/`) or valid utf-8";
}

TEST_CASE("valid_tag: printable ASCII except comma and slash, or valid UTF-8, not empty",
          "[unit][options]") {
  CHECK(valid_tag("a"));
  CHECK(valid_tag("prod"));
  CHECK(valid_tag("with space"));
  CHECK(valid_tag("~!@#$%^&*()_+-=[]{};':\"<>?.\\|`"));
  CHECK(valid_tag("héllo"));
  CHECK(valid_tag("日本語"));
  CHECK(valid_tag("\xF0\x9F\x98\x80"));  // emoji (4-byte UTF-8)
  CHECK(valid_tag(std::string(1000, 'x')));

  CHECK_FALSE(valid_tag(""));
  CHECK_FALSE(valid_tag("a,b"));
  CHECK_FALSE(valid_tag(","));
  CHECK_FALSE(valid_tag("a/b"));
  CHECK_FALSE(valid_tag("/"));
  CHECK_FALSE(valid_tag("tab\there"));
  CHECK_FALSE(valid_tag("new\nline"));
  CHECK_FALSE(valid_tag("\x1f"));
  CHECK_FALSE(valid_tag("\x7f"));                  // DEL
  CHECK_FALSE(valid_tag(std::string("a\0b", 3)));  // NUL
  CHECK_FALSE(valid_tag("\xff"));                  // invalid UTF-8
  CHECK_FALSE(valid_tag("\xc3"));                  // truncated sequence
  CHECK_FALSE(valid_tag("\xc0\xaf"));              // overlong '/'
  CHECK_FALSE(valid_tag("\xed\xa0\x80"));          // surrogate
  CHECK_FALSE(valid_tag("ok\xe2\x82"));            // valid prefix, truncated tail
}

TEST_CASE("option_errors: one violation is 'invalid option (key: message)'", "[unit][options]") {
  option_errors oe;
  CHECK(oe.empty());
  oe.add("ttl", "must be an integer between 0 and 100000000");
  CHECK_FALSE(oe.empty());
  auto e = std::move(oe).error();
  CHECK(e.code == typedao::error_code::invalid_options);
  CHECK(static_cast<int>(e.code) == 11);
  CHECK(e.constant() == "INVALID_OPTIONS");
  CHECK(e.name() == "invalid options");
  CHECK(e.message == "invalid option (ttl: must be an integer between 0 and 100000000)");
  CHECK(e.to_string() ==
        "[postgres] invalid option (ttl: must be an integer between 0 and 100000000)");
  CHECK(e.fields ==
        std::vector<field_detail>{{"ttl", "must be an integer between 0 and 100000000"}});
}

TEST_CASE("option_errors: several violations are counted, keys sorted, joined by semicolons",
          "[unit][options]") {
  option_errors oe;
  oe.add("tags", "cannot query more than 5 tags");
  oe.add("pagination.page_size", "must be an integer between 1 and 50000");
  auto e = std::move(oe).error();
  CHECK(e.code == typedao::error_code::invalid_options);
  CHECK(e.message ==
        "2 option violations (pagination.page_size: must be an integer between 1 and 50000; tags: "
        "cannot query "
        "more than 5 tags)");
  CHECK(e.fields == std::vector<field_detail>{
                        {"pagination.page_size", "must be an integer between 1 and 50000"},
                        {"tags", "cannot query more than 5 tags"}});

  option_errors three;
  three.add("ttl", "x");
  three.add("pagination.max_page_size", "y");
  three.add("pagination.page_size", "z");
  auto e3 = std::move(three).error();
  CHECK(e3.message ==
        "3 option violations (pagination.max_page_size: y; pagination.page_size: z; ttl: x)");
  REQUIRE(e3.fields.size() == 3);
  CHECK(e3.fields[0].field == "pagination.max_page_size");
  CHECK(e3.fields[1].field == "pagination.page_size");
  CHECK(e3.fields[2].field == "ttl");
}

TEST_CASE("check_ttl: range, 0 allowed, non-TTL entities refused", "[unit][options]") {
  auto run = [](std::optional<std::int64_t> ttl, bool ttl_entity) {
    option_errors oe;
    check_ttl(ttl, ttl_entity, "services", oe);
    return oe.empty() ? std::string("<ok>") : std::move(oe).error().message;
  };
  CHECK(run(std::nullopt, true) == "<ok>");
  CHECK(run(std::nullopt, false) == "<ok>");
  CHECK(run(0, true) == "<ok>");
  CHECK(run(1, true) == "<ok>");
  CHECK(run(100000000, true) == "<ok>");
  CHECK(run(-1, true) == "invalid option (ttl: must be an integer between 0 and 100000000)");
  CHECK(run(100000001, true) == "invalid option (ttl: must be an integer between 0 and 100000000)");
  CHECK(run(std::numeric_limits<std::int64_t>::min(), true) ==
        "invalid option (ttl: must be an integer between 0 and 100000000)");
  CHECK(run(10, false) == "invalid option (ttl: cannot be used with 'services')");
  CHECK(run(0, false) == "invalid option (ttl: cannot be used with 'services')");
  CHECK(typedao::max_ttl == 100000000);
}

TEST_CASE("check_page_options: per-call limits, tag checks, all reported together",
          "[unit][options]") {
  struct out {
    pagination limits;
    std::string message;
  };
  auto run = [](const page_options& o, bool has_tags = true, pagination base = {}) {
    option_errors oe;
    auto p = check_page_options(o, base, has_tags, "things", oe);
    return out{p, oe.empty() ? std::string("<ok>") : std::move(oe).error().message};
  };

  SECTION("defaults are Kong's") {
    auto r = run({});
    CHECK(r.message == "<ok>");
    CHECK(r.limits.page_size == 1000);
    CHECK(r.limits.max_page_size == 50000);
  }
  SECTION("per-call overrides win over the base") {
    auto r = run({.page_size = 7, .max_page_size = 9}, true, {.page_size = 2, .max_page_size = 5});
    CHECK(r.message == "<ok>");
    CHECK(r.limits.page_size == 7);
    CHECK(r.limits.max_page_size == 9);
    auto base_only = run({}, true, {.page_size = 2, .max_page_size = 5});
    CHECK(base_only.limits.page_size == 2);
    CHECK(base_only.limits.max_page_size == 5);
  }
  SECTION("page_size is bounded by the effective max_page_size") {
    CHECK(run({.page_size = 0}).message ==
          "invalid option (pagination.page_size: must be an integer between 1 and 50000)");
    CHECK(run({.page_size = 50001}).message ==
          "invalid option (pagination.page_size: must be an integer between 1 and 50000)");
    CHECK(run({.page_size = 11, .max_page_size = 10}).message ==
          "invalid option (pagination.page_size: must be an integer between 1 and 10)");
    CHECK(run({.page_size = 6}, true, {.page_size = 2, .max_page_size = 5}).message ==
          "invalid option (pagination.page_size: must be an integer between 1 and 5)");
    CHECK(run({.page_size = 10, .max_page_size = 10}).message == "<ok>");
  }
  SECTION("max_page_size must be positive") {
    CHECK(run({.max_page_size = 0}).message ==
          "invalid option (pagination.max_page_size: must be an integer greater than 0)");
    CHECK(run({.max_page_size = -5}).message ==
          "invalid option (pagination.max_page_size: must be an integer greater than 0)");
  }
  SECTION("tags") {
    CHECK(run({.tags = {"a", "b", "c", "d", "e"}, .match = typedao::tags_match::all}).message ==
          "<ok>");
    CHECK(run({.tags = {"a", "b", "c", "d", "e", "f"}}).message ==
          "invalid option (tags: cannot query more than 5 tags)");
    CHECK(run({.tags = {"ok", "a,b"}}).message == "invalid option (tags: " + bad_tag + ")");
    CHECK(run({.tags = {""}}).message == "invalid option (tags: " + bad_tag + ")");
    CHECK(run({.tags = {"a", "/", ","}}).message ==
          "invalid option (tags: " + bad_tag + ")");  // reported once
    CHECK(run({.tags = {"x"}}, false).message ==
          "invalid option (tags: cannot be used with 'things')");
  }
  SECTION("several tags need an explicit all/any (Kong's tags_cond has no default)") {
    const std::string cond =
        "invalid option (tags_cond: must be a either 'and' or 'or' when more than one tag is "
        "specified)";
    CHECK(run({.tags = {"a", "b"}}).message == cond);
    CHECK(run({.tags = {"a", "b", "c", "d", "e"}}).message == cond);
    CHECK(run({.tags = {"a"}}).message == "<ok>");  // one tag: all and any agree
    CHECK(run({.tags = {"a", "b"}, .match = typedao::tags_match::any}).message == "<ok>");
    CHECK(run({.tags = {"a", "b"}, .match = typedao::tags_match::all}).message == "<ok>");
    // With another problem: both, keys sorted.
    CHECK(run({.tags = {"a", "b"}, .page_size = 0}).message ==
          "2 option violations (pagination.page_size: must be an integer between 1 and 50000; "
          "tags_cond: must be a "
          "either 'and' or 'or' when more than one tag is specified)");
  }
  SECTION("several problems: one error, keys sorted") {
    option_errors oe;
    check_page_options({.tags = {"a/b"}, .page_size = 0}, {}, true, "things", oe);
    auto e = std::move(oe).error();
    CHECK(e.message ==
          "2 option violations (pagination.page_size: must be an integer between 1 and 50000; "
          "tags: " +
              bad_tag + ")");
    CHECK(e.fields == std::vector<field_detail>{
                          {"pagination.page_size", "must be an integer between 1 and 50000"},
                          {"tags", bad_tag}});

    option_errors oe3;
    check_page_options({.tags = {"x"}, .page_size = 1, .max_page_size = 0}, {}, false, "things",
                       oe3);
    check_ttl(5, false, "things", oe3);
    CHECK(std::move(oe3).error().message ==
          "3 option violations (pagination.max_page_size: must be an integer greater than 0; tags: "
          "cannot be used "
          "with 'things'; ttl: cannot be used with 'things')");
  }
}

}  // namespace typedao_ut_options
