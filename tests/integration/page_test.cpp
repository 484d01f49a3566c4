// page(size, offset) and page_for<&Child::fk>(parent, size, offset) against a real PostgreSQL:
// page sizes and the last page, exact multiples, stable offsets, no overlap and primary-key order,
// concurrent inserts/deletes during a walk, default and per-call limits, INVALID_SIZE,
// INVALID_OFFSET for every kind of foreign or damaged token, URL-safe offsets, children of one
// parent (entity, key, missing parent, composite-key parent).

#include "pg_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace typedao_it_page {

namespace {

struct Item {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Item, (), (id, name, tags))
TYPEDAO_ENTITY(Item, "items")

// Same key type as Item: its tokens differ only by their fingerprint.
struct Other {
  std::int64_t id = 0;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Other, (), (id, name))
TYPEDAO_ENTITY(Other, "others")

// A text primary key.
struct Word {
  std::string word;
  std::int32_t n = 0;
};
BOOST_DESCRIBE_STRUCT(Word, (), (word, n))
TYPEDAO_ENTITY(Word, "words", typedao::primary_key(&Word::word))

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// Two foreign keys to the same parent.
struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
  std::optional<typedao::foreign<Service>> fallback;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, fallback, name))
TYPEDAO_ENTITY(Route, "routes")

struct Tenant {
  std::string org;
  std::int32_t num = 0;
};
BOOST_DESCRIBE_STRUCT(Tenant, (), (org, num))
TYPEDAO_ENTITY(Tenant, "tenants", typedao::primary_key(&Tenant::org, &Tenant::num))

struct Seat {
  std::int64_t id = 0;
  typedao::foreign<Tenant> tenant;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Seat, (), (id, tenant, name))
TYPEDAO_ENTITY(Seat, "seats")

using typedao_test::pg_fixture;
using db_t = typedao::database<Item, Other, Word, Service, Route, Tenant, Seat>;
using tenant_key = std::tuple<std::string, std::int32_t>;

struct page_fixture : pg_fixture {
  db_t db{conn};
  typedao_test::dao_t<db_t, Item> items = db.dao<Item>();
  typedao_test::dao_t<db_t, Other> others = db.dao<Other>();
  typedao_test::dao_t<db_t, Word> words = db.dao<Word>();
  typedao_test::dao_t<db_t, Service> services = db.dao<Service>();
  typedao_test::dao_t<db_t, Route> routes = db.dao<Route>();
  typedao_test::dao_t<db_t, Tenant> tenants = db.dao<Tenant>();
  typedao_test::dao_t<db_t, Seat> seats = db.dao<Seat>();
  page_fixture() { REQUIRE_OK(db.migrate()); }

  void add_items(std::vector<std::int64_t> ids, std::vector<std::string> tags = {}) {
    for (auto id : ids)
      REQUIRE_OK(items.insert({.id = id, .name = "n" + std::to_string(id), .tags = tags}));
  }
  // n rows through SQL (fast): ids 1..n.
  void bulk_items(int n) {
    exec("INSERT INTO items (id, name, tags) SELECT g, 'n' || g, '{}' FROM generate_series(1, " +
         std::to_string(n) + ") AS g");
  }
  Service add_service(std::string name) {
    auto r = services.insert({.name = std::move(name)});
    REQUIRE_OK(r);
    return *r;
  }
};

std::vector<std::int64_t> ids_of(const std::vector<Item>& rows) {
  std::vector<std::int64_t> out;
  for (auto& r : rows) out.push_back(r.id);
  return out;
}

bool url_safe(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// Walks a DAO's page() to the end: the sizes of every page and every row id in order.
struct walk_result {
  std::vector<std::size_t> sizes;
  std::vector<std::int64_t> ids;
  std::vector<std::string> offsets;
};
template <class D>
walk_result walk(D& d, std::int64_t size) {
  walk_result w;
  std::string offset;
  for (int guard = 0; guard < 10000; ++guard) {
    auto p = d.page(size, offset);
    REQUIRE_OK(p);
    w.sizes.push_back(p->rows.size());
    for (auto& r : p->rows) w.ids.push_back(r.id);
    if (!p->offset) return w;
    w.offsets.push_back(*p->offset);
    offset = *p->offset;
  }
  FAIL("page() never reached the last page");
  return w;
}

void check_invalid_offset(const typedao::error& e, const std::string& offset,
                          const std::string& why) {
  CHECK(e.code == typedao::error_code::invalid_offset);
  CHECK(static_cast<int>(e.code) == 7);
  CHECK(e.constant() == "INVALID_OFFSET");
  CHECK(e.message == "'" + offset + "' is not a valid offset: " + why);
  CHECK(e.server.sqlstate.empty());
}

const std::string another_query = "token was issued for another entity, filter or foreign key";

}  // namespace

// ---- sizes and the last page
// ---------------------------------------------------------------------

TEST_CASE_METHOD(page_fixture, "page: 10 rows by 3 give 3, 3, 3, 1 and no offset after the last",
                 "[pg][page]") {
  add_items({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  auto w = walk(items, 3);
  CHECK(w.sizes == std::vector<std::size_t>{3, 3, 3, 1});
  CHECK(w.offsets.size() == 3);
  CHECK(w.ids == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE_METHOD(page_fixture,
                 "page: an exact multiple (9 rows by 3) gives 3, 3, 3 and no empty extra page",
                 "[pg][page]") {
  add_items({1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto w = walk(items, 3);
  CHECK(w.sizes == std::vector<std::size_t>{3, 3, 3});
  CHECK(w.offsets.size() == 2);

  // One page holding everything has no offset either.
  auto all = items.page(9);
  REQUIRE_OK(all);
  CHECK(all->rows.size() == 9);
  CHECK_FALSE(all->offset.has_value());
}

TEST_CASE_METHOD(page_fixture, "page: an empty table gives an empty page without offset",
                 "[pg][page]") {
  auto p = items.page(3);
  REQUIRE_OK(p);
  CHECK(p->rows.empty());
  CHECK_FALSE(p->offset.has_value());
  auto d = items.page();
  REQUIRE_OK(d);
  CHECK(d->rows.empty());
  CHECK_FALSE(d->offset.has_value());
}

TEST_CASE_METHOD(page_fixture, "page: size 1 walks one row per page", "[pg][page]") {
  add_items({5, 3, 9});
  auto w = walk(items, 1);
  CHECK(w.sizes == std::vector<std::size_t>{1, 1, 1});
  CHECK(w.ids == std::vector<std::int64_t>{3, 5, 9});
}

// ---- order, overlap, stability
// ---------------------------------------------------------------------

TEST_CASE_METHOD(page_fixture,
                 "page: pages never overlap and together are every row once, in primary-key order",
                 "[pg][page]") {
  // Inserted out of order, with negative keys and gaps.
  std::vector<std::int64_t> ids{42, -7, 1000000000000, 3, 0, 17, -100, 8, 99, 5, 64, 2};
  add_items(ids);
  auto sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t size : {1, 2, 3, 5, 7, 11, 12, 13, 1000}) {
    INFO("size " << size);
    auto w = walk(items, size);
    CHECK(w.ids == sorted);
    std::size_t expected_pages = (ids.size() + size - 1) / size;
    CHECK(w.sizes.size() == expected_pages);
    for (std::size_t i = 0; i + 1 < w.sizes.size(); ++i)
      CHECK(w.sizes[i] == static_cast<std::size_t>(size));
  }
}

TEST_CASE_METHOD(page_fixture, "page: uuid keys page in the server's uuid order", "[pg][page]") {
  auto s = add_service("svc");
  std::vector<typedao::uuid> ids;
  for (int i = 0; i < 9; ++i) {
    auto r = routes.insert({.service = s, .name = "r" + std::to_string(i)});
    REQUIRE_OK(r);
    ids.push_back(r->id);
  }
  std::vector<typedao::uuid> got;
  std::string offset;
  for (;;) {
    auto p = routes.page(4, offset);
    REQUIRE_OK(p);
    for (auto& r : p->rows) got.push_back(r.id);
    if (!p->offset) break;
    offset = *p->offset;
  }
  // The server's own order, compared as text (uuid ordering is bytewise = text order of the hex
  // form).
  std::vector<std::string> server_order;
  auto res = typedao_test::raw_exec(conn, "SELECT id::text FROM routes ORDER BY id");
  for (int i = 0; i < PQntuples(res.get()); ++i)
    server_order.push_back(PQgetvalue(res.get(), i, 0));
  std::vector<std::string> got_text;
  for (auto& u : got) got_text.push_back(typedao::to_string(u));
  CHECK(got_text == server_order);
  CHECK(got.size() == 9);
}

TEST_CASE_METHOD(page_fixture, "page: the same offset always gives the same page", "[pg][page]") {
  add_items({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  auto first = items.page(3);
  REQUIRE_OK(first);
  REQUIRE(first->offset);
  auto again = items.page(3);
  REQUIRE_OK(again);
  CHECK(ids_of(again->rows) == ids_of(first->rows));
  CHECK(again->offset == first->offset);  // deterministic token

  auto a = items.page(3, *first->offset);
  auto b = items.page(3, *first->offset);
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(ids_of(a->rows) == std::vector<std::int64_t>{4, 5, 6});
  CHECK(ids_of(b->rows) == ids_of(a->rows));
  CHECK(a->offset == b->offset);

  // Going back to an earlier offset after walking further still gives that page.
  REQUIRE(a->offset);
  auto c = items.page(3, *a->offset);
  REQUIRE_OK(c);
  CHECK(ids_of(c->rows) == std::vector<std::int64_t>{7, 8, 9});
  auto a2 = items.page(3, *first->offset);
  REQUIRE_OK(a2);
  CHECK(ids_of(a2->rows) == std::vector<std::int64_t>{4, 5, 6});

  // The token is bound to the query, not to the page size.
  auto wider = items.page(5, *first->offset);
  REQUIRE_OK(wider);
  CHECK(ids_of(wider->rows) == std::vector<std::int64_t>{4, 5, 6, 7, 8});
}

TEST_CASE_METHOD(page_fixture,
                 "page: rows inserted and deleted while walking never cause duplicates",
                 "[pg][page]") {
  add_items({10, 20, 30, 40, 50, 60, 70, 80, 90, 100});
  std::vector<std::int64_t> seen;
  auto p1 = items.page(3);
  REQUIRE_OK(p1);
  for (auto& r : p1->rows) seen.push_back(r.id);
  REQUIRE(p1->offset);
  CHECK(ids_of(p1->rows) == std::vector<std::int64_t>{10, 20, 30});

  // Mid-walk: a row before the cursor, one right after it, one at the end; delete a seen row,
  // the cursor row itself and an unseen row.
  add_items({5, 35, 1000});
  REQUIRE_OK(items.remove(20));
  REQUIRE_OK(items.remove(30));  // the row the offset points at
  REQUIRE_OK(items.remove(60));

  auto p2 = items.page(3, *p1->offset);
  REQUIRE_OK(p2);
  CHECK(ids_of(p2->rows) == std::vector<std::int64_t>{35, 40, 50});
  for (auto& r : p2->rows) seen.push_back(r.id);
  REQUIRE(p2->offset);

  // More churn between later pages: before the cursor, right after it, and an unseen row.
  add_items({71, 11});
  REQUIRE_OK(items.remove(90));

  std::string offset = *p2->offset;
  for (;;) {
    auto p = items.page(3, offset);
    REQUIRE_OK(p);
    for (auto& r : p->rows) seen.push_back(r.id);
    if (!p->offset) break;
    offset = *p->offset;
  }
  CHECK(seen == std::vector<std::int64_t>{10, 20, 30, 35, 40, 50, 70, 71, 80, 100, 1000});
  std::set<std::int64_t> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());              // no duplicates
  CHECK(std::is_sorted(seen.begin(), seen.end()));  // still in key order
  // Rows present for the whole walk are seen exactly once.
  for (std::int64_t id : {10, 40, 50, 70, 80, 100}) CHECK(unique.count(id) == 1);
  // Rows inserted after the cursor are seen, rows before it are not.
  CHECK(unique.count(35) == 1);
  CHECK(unique.count(1000) == 1);
  CHECK(unique.count(5) == 0);
  CHECK(unique.count(11) == 0);
  // Rows deleted before they were reached are not seen.
  CHECK(unique.count(60) == 0);
  CHECK(unique.count(90) == 0);
}

// ---- defaults and limits
// ----------------------------------------------------------------------------

TEST_CASE_METHOD(page_fixture, "page: size omitted is 1000 rows per page (Kong's default)",
                 "[pg][page][limits]") {
  bulk_items(2001);
  auto p = items.page();
  REQUIRE_OK(p);
  CHECK(p->rows.size() == 1000);
  REQUIRE(p->offset);
  CHECK(p->rows.front().id == 1);
  CHECK(p->rows.back().id == 1000);
  auto p2 = items.page(std::nullopt, *p->offset);
  REQUIRE_OK(p2);
  CHECK(p2->rows.size() == 1000);
  CHECK(p2->rows.front().id == 1001);
  REQUIRE(p2->offset);
  auto p3 = items.page(std::nullopt, *p2->offset);
  REQUIRE_OK(p3);
  CHECK(p3->rows.size() == 1);
  CHECK_FALSE(p3->offset);
  CHECK(items.pagination_limits().page_size == 1000);
  CHECK(items.pagination_limits().max_page_size == 50000);
}

TEST_CASE_METHOD(page_fixture, "page: with_pagination changes the default size and the maximum",
                 "[pg][page][limits]") {
  add_items({1, 2, 3, 4, 5, 6, 7});
  auto small = items.with_pagination({.page_size = 2, .max_page_size = 5});
  CHECK(small.pagination_limits().page_size == 2);
  CHECK(small.pagination_limits().max_page_size == 5);
  // The original DAO is unchanged.
  CHECK(items.pagination_limits().page_size == 1000);

  auto p = small.page();
  REQUIRE_OK(p);
  CHECK(ids_of(p->rows) == std::vector<std::int64_t>{1, 2});
  auto five = small.page(5);
  REQUIRE_OK(five);
  CHECK(five->rows.size() == 5);
  auto six = small.page(6);
  REQUIRE_FALSE(six);
  CHECK(six.error().code == typedao::error_code::invalid_size);
  CHECK(six.error().message == "size must be an integer between 1 and 5");

  // Offsets of one DAO work with the other (same entity, same query).
  REQUIRE(p->offset);
  auto cont = items.page(100, *p->offset);
  REQUIRE_OK(cont);
  CHECK(ids_of(cont->rows) == std::vector<std::int64_t>{3, 4, 5, 6, 7});

  // each() follows the DAO's defaults.
  auto range = small.each();
  std::size_t n = 0;
  for (auto&& r : range) {
    REQUIRE_OK(r);
    ++n;
  }
  CHECK(n == 7);
  CHECK(range.page_number() == 4);
}

TEST_CASE_METHOD(page_fixture, "page: per-call page_options override page_size and max_page_size",
                 "[pg][page][limits]") {
  add_items({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  auto p = items.page(std::nullopt, {}, {.page_size = 3});
  REQUIRE_OK(p);
  CHECK(p->rows.size() == 3);
  REQUIRE(p->offset);
  auto p2 = items.page(std::nullopt, *p->offset, {.page_size = 4});
  REQUIRE_OK(p2);
  CHECK(ids_of(p2->rows) == std::vector<std::int64_t>{4, 5, 6, 7});

  // An explicit size wins over the per-call default.
  auto explicit_size = items.page(2, {}, {.page_size = 4});
  REQUIRE_OK(explicit_size);
  CHECK(explicit_size->rows.size() == 2);

  // Per-call maximum.
  auto ok = items.page(10, {}, {.max_page_size = 10});
  REQUIRE_OK(ok);
  CHECK(ok->rows.size() == 10);
  auto too_big = items.page(11, {}, {.max_page_size = 10});
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code == typedao::error_code::invalid_size);
  CHECK(too_big.error().message == "size must be an integer between 1 and 10");
  // A per-call maximum above Kong's default is allowed.
  auto big = items.page(60000, {}, {.max_page_size = 100000});
  REQUIRE_OK(big);
  CHECK(big->rows.size() == 12);

  // Per-call overrides on top of with_pagination.
  auto small = items.with_pagination({.page_size = 2, .max_page_size = 5});
  auto q = small.page(std::nullopt, {}, {.page_size = 5});
  REQUIRE_OK(q);
  CHECK(q->rows.size() == 5);
  auto r = small.page(std::nullopt, {}, {.page_size = 7, .max_page_size = 8});
  REQUIRE_OK(r);
  CHECK(r->rows.size() == 7);
  auto bad = small.page(std::nullopt, {}, {.page_size = 6});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == typedao::error_code::invalid_options);
  CHECK(bad.error().message ==
        "invalid option (pagination.page_size: must be an integer between 1 and 5)");
}

TEST_CASE_METHOD(page_fixture, "page: INVALID_SIZE for 0, -1 and max + 1", "[pg][page][limits]") {
  add_items({1, 2});
  for (std::int64_t size :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{50001}, std::int64_t{-50000},
        std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    INFO("size " << size);
    auto p = items.page(size);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == typedao::error_code::invalid_size);
    CHECK(static_cast<int>(p.error().code) == 9);
    CHECK(p.error().constant() == "INVALID_SIZE");
    CHECK(p.error().message == "size must be an integer between 1 and 50000");
    CHECK(p.error().to_string() == "[postgres] size must be an integer between 1 and 50000");
    auto f = routes.page_for<&Route::service>(typedao::generate_uuid(), size);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == typedao::error_code::invalid_size);
    CHECK(f.error().message == "size must be an integer between 1 and 50000");
  }
  // The bounds themselves are fine.
  REQUIRE_OK(items.page(1));
  REQUIRE_OK(items.page(50000));
}

// ---- INVALID_OFFSET
// ---------------------------------------------------------------------------------

TEST_CASE_METHOD(page_fixture, "page: INVALID_OFFSET for garbage", "[pg][page][offset]") {
  add_items({1, 2, 3});
  auto p = items.page(2, "!!!");
  REQUIRE_FALSE(p);
  check_invalid_offset(p.error(), "!!!", "bad base64 encoding");
  CHECK(p.error().message == "'!!!' is not a valid offset: bad base64 encoding");

  for (std::string junk : {"abc=", "a b", "abcde", "hello world", "eyJpZCI6MX0=", "+/+/"}) {
    auto r = items.page(2, junk);
    REQUIRE_FALSE(r);
    check_invalid_offset(r.error(), junk, "bad base64 encoding");
  }
  // Valid base64url, but not one of our tokens (Kong's JSON cursor, random bytes).
  for (std::string junk : {"WyIxIl0", "AAAA", "dDE", "eyJpZCI6MX0"}) {
    auto r = items.page(2, junk);
    REQUIRE_FALSE(r);
    check_invalid_offset(r.error(), junk, "bad token");
  }
}

TEST_CASE_METHOD(page_fixture, "page: INVALID_OFFSET for truncated and tampered tokens",
                 "[pg][page][offset]") {
  add_items({1, 2, 3, 4, 5});
  auto p = items.page(2);
  REQUIRE_OK(p);
  REQUIRE(p->offset);
  const std::string token = *p->offset;

  // Every proper prefix is refused.
  for (std::size_t n = 1; n < token.size(); ++n) {
    auto cut = token.substr(0, n);
    INFO("prefix " << cut);
    auto r = items.page(2, cut);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::invalid_offset);
    CHECK_THAT(r.error().message, Catch::StartsWith("'" + cut + "' is not a valid offset: "));
  }
  // Extra characters.
  auto longer = items.page(2, token + "AAAA");
  REQUIRE_FALSE(longer);
  check_invalid_offset(longer.error(), token + "AAAA", "bad token");

  // Bytes changed inside the token: the fingerprint, the column count, the key length.
  auto raw = *typedao::detail::base64url_decode(token);
  auto forged = [&](std::size_t at, char to) {
    auto b = raw;
    b[at] = to;
    return typedao::detail::base64url_encode(b);
  };
  auto fp_changed = forged(4, static_cast<char>(raw[4] ^ 0x01));
  auto r1 = items.page(2, fp_changed);
  REQUIRE_FALSE(r1);
  check_invalid_offset(r1.error(), fp_changed, another_query);

  auto count_changed = forged(10, 2);
  auto r2 = items.page(2, count_changed);
  REQUIRE_FALSE(r2);
  check_invalid_offset(r2.error(), count_changed, "bad token");

  auto len_changed = forged(14, 4);  // int8 key column said to be 4 bytes long
  auto r3 = items.page(2, len_changed.substr(0));
  REQUIRE_FALSE(r3);
  CHECK(r3.error().code == typedao::error_code::invalid_offset);

  // A tampered key value that still decodes is a valid cursor: it pages from that key.
  auto b = raw;
  b.back() = 3;  // last byte of the big-endian int8 key: 2 -> 3
  auto moved = typedao::detail::base64url_encode(b);
  auto r4 = items.page(2, moved);
  REQUIRE_OK(r4);
  CHECK(ids_of(r4->rows) == std::vector<std::int64_t>{4, 5});
}

TEST_CASE_METHOD(
    page_fixture,
    "page: a text-key token tampered into invalid UTF-8 is INVALID_OFFSET, not a database error",
    "[pg][page][offset]") {
  for (auto w : {"alpha", "beta", "gamma"}) REQUIRE_OK(words.insert({.word = w, .n = 1}));
  auto p = words.page(1);
  REQUIRE_OK(p);
  REQUIRE(p->offset);
  auto raw = *typedao::detail::base64url_decode(*p->offset);
  // header (11 bytes) | length (4) | "alpha"
  REQUIRE(raw.substr(15) == "alpha");
  for (std::string bad : {std::string("\xff\xfe\xfd\xfc\xfb"), std::string("al\0ha", 5)}) {
    auto forged = typedao::detail::base64url_encode(raw.substr(0, 15) + bad);
    auto r = words.page(1, forged);
    REQUIRE_FALSE(r);
    check_invalid_offset(r.error(), forged, "bad key in token");
  }
}

TEST_CASE_METHOD(page_fixture, "page: a token from another entity is INVALID_OFFSET",
                 "[pg][page][offset]") {
  add_items({1, 2, 3});
  REQUIRE_OK(others.insert({.id = 1, .name = "o1"}));
  REQUIRE_OK(others.insert({.id = 2, .name = "o2"}));
  REQUIRE_OK(others.insert({.id = 3, .name = "o3"}));
  auto p = items.page(1);
  REQUIRE_OK(p);
  REQUIRE(p->offset);
  // Same key type (bigint), other table.
  auto o = others.page(1, *p->offset);
  REQUIRE_FALSE(o);
  check_invalid_offset(o.error(), *p->offset, another_query);
  // And the other way round.
  auto q = others.page(1);
  REQUIRE_OK(q);
  REQUIRE(q->offset);
  auto i = items.page(1, *q->offset);
  REQUIRE_FALSE(i);
  check_invalid_offset(i.error(), *q->offset, another_query);
  // Other key types.
  for (auto w : {"a", "b"}) REQUIRE_OK(words.insert({.word = w}));
  auto wp = words.page(1);
  REQUIRE_OK(wp);
  REQUIRE(wp->offset);
  auto x = items.page(1, *wp->offset);
  REQUIRE_FALSE(x);
  check_invalid_offset(x.error(), *wp->offset, another_query);
  auto y = words.page(1, *p->offset);
  REQUIRE_FALSE(y);
  check_invalid_offset(y.error(), *p->offset, another_query);
}

TEST_CASE_METHOD(
    page_fixture,
    "page_for: a token from another parent, another foreign key or page() is INVALID_OFFSET",
    "[pg][page][offset][page_for]") {
  auto s1 = add_service("s1");
  auto s2 = add_service("s2");
  for (int i = 0; i < 3; ++i) {
    REQUIRE_OK(routes.insert({.service = s1, .fallback = s2, .name = "a" + std::to_string(i)}));
    REQUIRE_OK(routes.insert({.service = s2, .fallback = s1, .name = "b" + std::to_string(i)}));
  }
  auto p = routes.page_for<&Route::service>(s1, 1);
  REQUIRE_OK(p);
  REQUIRE(p->offset);
  const std::string tok = *p->offset;
  // The token works for the query that minted it.
  auto same = routes.page_for<&Route::service>(s1.id, 1, tok);
  REQUIRE_OK(same);
  CHECK(same->rows.size() == 1);

  auto other_parent = routes.page_for<&Route::service>(s2, 1, tok);
  REQUIRE_FALSE(other_parent);
  check_invalid_offset(other_parent.error(), tok, another_query);

  auto other_fk = routes.page_for<&Route::fallback>(s1, 1, tok);
  REQUIRE_FALSE(other_fk);
  check_invalid_offset(other_fk.error(), tok, another_query);

  auto unfiltered = routes.page(1, tok);
  REQUIRE_FALSE(unfiltered);
  check_invalid_offset(unfiltered.error(), tok, another_query);

  auto pg = routes.page(1);
  REQUIRE_OK(pg);
  REQUIRE(pg->offset);
  auto as_child = routes.page_for<&Route::service>(s1, 1, *pg->offset);
  REQUIRE_FALSE(as_child);
  check_invalid_offset(as_child.error(), *pg->offset, another_query);

  // A parent that does not exist with a real token: still refused, not an empty page.
  auto ghost = routes.page_for<&Route::service>(typedao::generate_uuid(), 1, tok);
  REQUIRE_FALSE(ghost);
  check_invalid_offset(ghost.error(), tok, another_query);
}

TEST_CASE_METHOD(page_fixture, "page: a token from another tag filter is INVALID_OFFSET",
                 "[pg][page][offset][tags]") {
  add_items({1, 2, 3, 4}, {"a", "b"});
  auto p = items.page(1, {}, {.tags = {"a", "b"}, .match = typedao::tags_match::all});
  REQUIRE_OK(p);
  REQUIRE(p->offset);
  const std::string tok = *p->offset;

  auto other_tags = items.page(1, tok, {.tags = {"a"}});
  REQUIRE_FALSE(other_tags);
  check_invalid_offset(other_tags.error(), tok, another_query);
  auto any_of = items.page(1, tok, {.tags = {"a", "b"}, .match = typedao::tags_match::any});
  REQUIRE_FALSE(any_of);
  check_invalid_offset(any_of.error(), tok, another_query);
  auto none = items.page(1, tok);
  REQUIRE_FALSE(none);
  check_invalid_offset(none.error(), tok, another_query);
  auto plain = items.page(1);
  REQUIRE_OK(plain);
  REQUIRE(plain->offset);
  auto plain_on_tags =
      items.page(1, *plain->offset, {.tags = {"a", "b"}, .match = typedao::tags_match::all});
  REQUIRE_FALSE(plain_on_tags);
  check_invalid_offset(plain_on_tags.error(), *plain->offset, another_query);

  // The same filter written in another order (or with a repeated tag) is the same filter.
  auto reordered = items.page(1, tok, {.tags = {"b", "a"}, .match = typedao::tags_match::all});
  REQUIRE_OK(reordered);
  CHECK(ids_of(reordered->rows) == std::vector<std::int64_t>{2});
  auto repeated = items.page(1, tok, {.tags = {"b", "a", "a"}, .match = typedao::tags_match::all});
  REQUIRE_OK(repeated);
  CHECK(ids_of(repeated->rows) == std::vector<std::int64_t>{2});
}

TEST_CASE_METHOD(page_fixture, "page: offsets are URL-safe (only A-Z a-z 0-9 - _, no padding)",
                 "[pg][page][offset]") {
  bulk_items(200);
  // Keys with many 0xff / 0xfb bytes, where standard base64 would produce '/' and '+'.
  exec(
      "INSERT INTO items (id, name, tags) VALUES (-1, 'x', '{}'), (-5, 'y', '{}'), "
      "(9223372036854775807, 'z', '{}'),"
      " (-9223372036854775808, 'w', '{}'), (4294967295, 'v', '{}')");
  auto w = walk(items, 1);
  REQUIRE(w.offsets.size() == 204);
  for (auto& o : w.offsets) {
    INFO(o);
    CHECK(url_safe(o));
  }
  // Some of them would not be URL-safe in standard base64.
  bool saw_special = false;
  for (auto& o : w.offsets) saw_special = saw_special || o.find_first_of("-_") != std::string::npos;
  CHECK(saw_special);

  // uuid and text keys too.
  auto s = add_service("svc");
  for (int i = 0; i < 20; ++i) REQUIRE_OK(routes.insert({.service = s, .name = std::to_string(i)}));
  std::string off;
  for (;;) {
    auto p = routes.page(1, off);
    REQUIRE_OK(p);
    if (!p->offset) break;
    CHECK(url_safe(*p->offset));
    off = *p->offset;
  }
  REQUIRE_OK(words.insert({.word = "héllo/wörld?&="}));
  REQUIRE_OK(words.insert({.word = "zzz"}));
  auto wp = words.page(1);
  REQUIRE_OK(wp);
  REQUIRE(wp->offset);
  CHECK(url_safe(*wp->offset));
}

// ---- page_for
// -----------------------------------------------------------------------------------------

TEST_CASE_METHOD(page_fixture, "page_for: the children of one parent, given as entity or as key",
                 "[pg][page_for]") {
  auto s1 = add_service("s1");
  auto s2 = add_service("s2");
  std::set<std::string> mine;
  for (int i = 0; i < 7; ++i) {
    auto r = routes.insert({.service = s1, .name = "mine" + std::to_string(i)});
    REQUIRE_OK(r);
    mine.insert(r->name);
    REQUIRE_OK(
        routes.insert({.service = s2, .fallback = s1, .name = "theirs" + std::to_string(i)}));
  }
  auto collect = [&](auto parent) {
    std::vector<Route> rows;
    std::vector<std::size_t> sizes;
    std::string offset;
    for (;;) {
      auto p = routes.page_for<&Route::service>(parent, 3, offset);
      REQUIRE_OK(p);
      sizes.push_back(p->rows.size());
      rows.insert(rows.end(), p->rows.begin(), p->rows.end());
      if (!p->offset) break;
      offset = *p->offset;
    }
    return std::pair{rows, sizes};
  };
  auto [by_entity, sizes] = collect(s1);
  CHECK(sizes == std::vector<std::size_t>{3, 3, 1});
  std::set<std::string> names;
  for (auto& r : by_entity) {
    CHECK(r.service.key() == s1.id);
    names.insert(r.name);
  }
  CHECK(names == mine);
  CHECK(std::is_sorted(by_entity.begin(), by_entity.end(),
                       [](auto& a, auto& b) { return a.id < b.id; }));

  auto [by_key, sizes2] = collect(s1.id);
  REQUIRE(by_key.size() == by_entity.size());
  for (std::size_t i = 0; i < by_key.size(); ++i) CHECK(by_key[i].id == by_entity[i].id);
  auto [by_foreign, sizes3] = collect(typedao::foreign<Service>(s1));
  CHECK(by_foreign.size() == 7);

  // The other foreign key: s1 is the fallback of the 7 "theirs" routes.
  auto fb = routes.page_for<&Route::fallback>(s1, 100);
  REQUIRE_OK(fb);
  CHECK(fb->rows.size() == 7);
  for (auto& r : fb->rows) CHECK(r.name.rfind("theirs", 0) == 0);
  CHECK_FALSE(fb->offset);

  // Default size.
  auto d = routes.page_for<&Route::service>(s2);
  REQUIRE_OK(d);
  CHECK(d->rows.size() == 7);
  CHECK_FALSE(d->offset);
}

TEST_CASE_METHOD(page_fixture,
                 "page_for: a parent that does not exist gives an empty page, not an error",
                 "[pg][page_for]") {
  auto s = add_service("s");
  REQUIRE_OK(routes.insert({.service = s, .name = "r"}));
  auto p = routes.page_for<&Route::service>(typedao::generate_uuid(), 10);
  REQUIRE_OK(p);
  CHECK(p->rows.empty());
  CHECK_FALSE(p->offset);
  // A parent that exists but has no children.
  auto lonely = add_service("lonely");
  auto q = routes.page_for<&Route::service>(lonely);
  REQUIRE_OK(q);
  CHECK(q->rows.empty());
  // A composite-key parent that does not exist.
  auto t = seats.page_for<&Seat::tenant>(tenant_key{"nobody", 1});
  REQUIRE_OK(t);
  CHECK(t->rows.empty());
}

TEST_CASE_METHOD(page_fixture, "page_for: a nil parent key is INVALID_FOREIGN_KEY",
                 "[pg][page_for]") {
  auto p = routes.page_for<&Route::service>(typedao::uuid{}, 10);
  REQUIRE_FALSE(p);
  CHECK(p.error().code == typedao::error_code::invalid_foreign_key);
  CHECK(p.error().message == "invalid foreign key: '{service.id=\"missing primary key\"}'");
  auto c = routes.count_for<&Route::service>(typedao::uuid{});
  REQUIRE_FALSE(c);
  CHECK(c.error().code == typedao::error_code::invalid_foreign_key);
}

TEST_CASE_METHOD(page_fixture, "page_for: children of a composite-key parent",
                 "[pg][page_for][composite]") {
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 1}));
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 2}));
  REQUIRE_OK(tenants.insert({.org = "globex", .num = 1}));
  std::int64_t id = 0;
  for (auto& [org, num, n] : std::vector<std::tuple<std::string, int, int>>{
           {"acme", 1, 5}, {"acme", 2, 2}, {"globex", 1, 4}})
    for (int i = 0; i < n; ++i)
      REQUIRE_OK(seats.insert(
          {.id = ++id, .tenant = tenant_key{org, num}, .name = org + std::to_string(num)}));

  auto walk_for = [&](tenant_key k, std::int64_t size) {
    std::vector<std::int64_t> ids;
    std::vector<std::size_t> sizes;
    std::string off;
    for (;;) {
      auto p = seats.page_for<&Seat::tenant>(k, size, off);
      REQUIRE_OK(p);
      sizes.push_back(p->rows.size());
      for (auto& r : p->rows) {
        CHECK(r.tenant.key() == k);
        ids.push_back(r.id);
      }
      if (!p->offset) break;
      off = *p->offset;
    }
    return std::pair{ids, sizes};
  };
  auto [a1, s1] = walk_for({"acme", 1}, 2);
  CHECK(a1 == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(s1 == std::vector<std::size_t>{2, 2, 1});
  auto [a2, s2] = walk_for({"acme", 2}, 2);
  CHECK(a2 == std::vector<std::int64_t>{6, 7});
  CHECK(s2 == std::vector<std::size_t>{2});
  auto [g1, s3] = walk_for({"globex", 1}, 3);
  CHECK(g1 == std::vector<std::int64_t>{8, 9, 10, 11});

  // As an entity, and a token of one composite parent refused for another (both parts count).
  Tenant acme1{.org = "acme", .num = 1};
  auto p = seats.page_for<&Seat::tenant>(acme1, 2);
  REQUIRE_OK(p);
  CHECK(p->rows.size() == 2);
  REQUIRE(p->offset);
  auto wrong_num = seats.page_for<&Seat::tenant>(tenant_key{"acme", 2}, 2, *p->offset);
  REQUIRE_FALSE(wrong_num);
  check_invalid_offset(wrong_num.error(), *p->offset, another_query);
  auto wrong_org = seats.page_for<&Seat::tenant>(tenant_key{"globex", 1}, 2, *p->offset);
  REQUIRE_FALSE(wrong_org);
  check_invalid_offset(wrong_org.error(), *p->offset, another_query);

  auto c = seats.count_for<&Seat::tenant>(acme1);
  REQUIRE_OK(c);
  CHECK(*c == 5);
}

}  // namespace typedao_it_page
