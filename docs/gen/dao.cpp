// Runs every DAO operation and prints the call (as compiled) and what came back; docs/dao.md
// quotes the output. Needs a server: update.py runs it under scripts/pg-tmp.
#include "entities.hpp"
#include "report.hpp"

#include <chrono>
#include <string>

using namespace kong;
using docgen::block;
using typedao::set;

static std::string show(const Service& s) {
  std::string out = "{name=";
  out += s.name ? "\"" + *s.name + "\"" : "null";
  out += ", protocol=\"" + s.protocol + "\", host=\"" + s.host +
         "\", port=" + std::to_string(s.port) + ", tags={";
  for (std::size_t i = 0; i < s.tags.size(); ++i) out += (i ? ",\"" : "\"") + s.tags[i] + "\"";
  out += "}}";
  return out;
}
static const char* yes(bool b) { return b ? "yes" : "no"; }

// DO("key", var, expression): `auto var = expression;`, printed under key.call; stops on error.
#define DO(key, var, ...)                                                      \
  auto var = (__VA_ARGS__);                                                    \
  ::docgen::block(key ".call", "auto " #var " = " #__VA_ARGS__ ";");           \
  if (!var) {                                                                  \
    ::docgen::block("fatal", std::string(key ": ") + var.error().to_string()); \
    return 1;                                                                  \
  }

int main() {
  auto conn = typedao::pg::connect();
  if (!conn) return 1;
  Db db{*conn};
  auto services = db.dao<Service>();
  auto plugins = db.dao<Plugin>();

  DO("dao.migrate", m1, db.migrate());
  DO("dao.migrate2", m2, db.migrate());

  DO("dao.insert", s,
     services.insert({.name = "httpbin", .host = "httpbin.org", .tags = {"demo"}}));
  block("dao.insert", "returned " + show(*s) + "\nid generated: " + yes(!s->id.is_nil()) +
                          " (uuid version " + std::to_string(s->id.version()) +
                          ")\ncreated_at == updated_at: " + yes(s->created_at == s->updated_at) +
                          "\n");

  DO("dao.select_missing", miss, services.select(typedao::generate_uuid()));
  block("dao.select_missing",
        std::string("miss->has_value(): ") + (miss->has_value() ? "true" : "false") + "\n");
  DO("dao.select", found, services.select(s->id));
  block("dao.select", "(*found)->host: " + (*found)->host + "\n");
  DO("dao.select_by", byname, services.select_by<&Service::name>("httpbin"));
  block("dao.select_by",
        std::string("byname->has_value(): ") + (byname->has_value() ? "true" : "false") + "\n");

  DO("dao.update", u,
     services.update(s->id, set<&Service::port>(8080), set<&Service::name>(std::nullopt)));
  block("dao.update", "returned " + show(*u) +
                          "\ncreated_at unchanged: " + yes(u->created_at == s->created_at) +
                          "\nupdated_at later: " + yes(u->updated_at > s->updated_at) + "\n");
  DO("dao.update2", u2, services.update(s->id, set<&Service::name>("httpbin")));
  DO("dao.update_by", ub,
     services.update_by<&Service::name>("httpbin", set<&Service::host>("example.com")));
  block("dao.update_by", "returned " + show(*ub) + "\n");

  DO("dao.upsert", p, services.upsert(s->id, {.name = "httpbin", .host = "httpbin.org"}));
  block("dao.upsert", "returned " + show(*p) + "\nsame id: " + yes(p->id == s->id) +
                          "\ncreated_at kept: " + yes(p->created_at == s->created_at) + "\n");
  typedao::timestamp then{std::chrono::sys_days{std::chrono::year{2020} / 1 / 1}};
  DO("dao.upsert_created", p2,
     services.upsert(s->id, {.created_at = then, .name = "httpbin", .host = "httpbin.org"}));
  block("dao.upsert_created",
        std::string("created_at is the one given: ") + yes(p2->created_at == then) + "\n");
  auto fresh = *typedao::parse_uuid("3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8");
  DO("dao.upsert_new", p3, services.upsert(fresh, {.name = "mockbin", .host = "mockbin.org"}));
  block("dao.upsert_new",
        std::string("inserted with the given id: ") + yes(p3->id == fresh) + "\n");

  DO("dao.upsert_by", ubn,
     services.upsert_by<&Service::name>("mockbin", {.host = "mockbin.io", .port = 443}));
  block("dao.upsert_by",
        "returned " + show(*ubn) + "\nkept its id: " + yes(ubn->id == fresh) + "\n");
  DO("dao.upsert_by_new", ubn2,
     services.upsert_by<&Service::name>("newbin", {.name = "ignored", .host = "newbin.org"}));
  block("dao.upsert_by_new",
        "returned " + show(*ubn2) + "\nid generated: " + yes(!ubn2->id.is_nil()) + "\n");

  DO("dao.remove", r1, services.remove(s->id));
  DO("dao.remove_again", r2, services.remove(s->id));
  block("dao.remove", "both calls succeed\n");
  DO("dao.remove_by", r3, services.remove_by<&Service::name>("no-such-name"));
  block("dao.remove_by", "succeeds (nothing to delete)\n");

  // on_delete cascade.
  DO("dao.cascade_insert", pl, plugins.insert({.name = "key-auth", .service = *ubn2}));
  DO("dao.cascade_remove", rm, services.remove(*ubn2));
  DO("dao.cascade_select", gone, plugins.select(pl->id));
  block("dao.cascade",
        std::string("the plugin is gone: ") + yes(!gone->has_value()) +
            "\nrm->cascaded_count(): " + std::to_string(rm->cascaded_count()) +
            "\nrm->of<Plugin>()[0] == pl->id: " + yes(rm->of<Plugin>().at(0) == pl->id) + "\n");

  // on_delete set_null.
  auto certs = db.dao<Certificate>();
  auto ups = db.dao<Upstream>();
  DO("dao.set_null_cert", c, certs.insert({.cert = "-----BEGIN CERTIFICATE-----", .key = "k"}));
  DO("dao.set_null_insert", up, ups.insert({.name = "u1", .client_certificate = *c}));
  DO("dao.set_null_remove", rc, certs.remove(c->id));
  DO("dao.set_null_select", up2, ups.select(up->id));
  block("dao.set_null", std::string("(*up2)->client_certificate is empty: ") +
                            yes(!(*up2)->client_certificate) + "\n");

  // Composite key.
  auto metrics = db.dao<Metric>();
  typedao::timestamp day{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}};
  DO("dao.composite_insert", mt,
     metrics.insert(
         {.identifier = "10.0.0.1", .period = "minute", .period_date = day, .value = 1}));
  DO("dao.composite_update", mt2,
     metrics.update({"10.0.0.1", "minute", day}, set<&Metric::value>(2)));
  DO("dao.composite_select", mt3, metrics.select(typedao::key_of(*mt)));
  if ((*mt3)->value != 2) return 1;

  // Pages, each, count.
  auto routes = db.dao<Route>();
  // Fixed ids, so that the offsets printed below are the same on every run.
  for (const char* n : {"s1", "s2", "s3", "s4", "s5"}) {
    auto id = *typedao::parse_uuid(std::string("00000000-0000-4000-8000-00000000000") + n[1]);
    auto r = services.insert({.id = id,
                              .name = n,
                              .host = std::string(n) + ".example",
                              .tags = {n[1] % 2 ? "odd" : "even"}});
    if (!r) return 1;
  }
  DO("dao.count", n, services.count());
  block("dao.count", "*n: " + std::to_string(*n) + "\n");
  DO("dao.page1", page1, services.page(4));
  block("dao.page1",
        "page1->rows.size(): " + std::to_string(page1->rows.size()) + "\npage1->offset: " +
            (page1->offset ? "\"" + *page1->offset + "\"" : std::string("std::nullopt")) + "\n");
  DO("dao.page2", page2, services.page(4, *page1->offset));
  block("dao.page2",
        "page2->rows.size(): " + std::to_string(page2->rows.size()) + "\npage2->offset: " +
            (page2->offset ? "\"" + *page2->offset + "\"" : std::string("std::nullopt")) + "\n");
  {
    std::string out;
    int pages = 0;
    auto all = services.each(2);
    for (auto&& row : all) {
      if (!row) {
        out += "error: " + row.error().to_string() + "\n";
        break;
      }
      out += (row->name ? *row->name : std::string("null")) + " ";
      pages = static_cast<int>(all.page_number());
    }
    block("dao.each", "names: " + out + "\npages fetched: " + std::to_string(pages) + "\n");
  }
  auto s1 = services.select_by<&Service::name>("s1");
  if (!s1 || !*s1) return 1;
  for (const char* rn : {"a", "b", "c"}) {
    auto r = routes.insert({.name = rn, .service = **s1, .paths = {std::string("/") + rn}});
    if (!r) return 1;
  }
  DO("dao.page_for", children, routes.page_for<&Route::service>((*s1)->id, 2));
  block("dao.page_for", "children->rows.size(): " + std::to_string(children->rows.size()) +
                            "\nchildren->offset has a value: " + yes(children->offset.has_value()) +
                            "\n");
  DO("dao.count_for", nc, routes.count_for<&Route::service>((*s1)->id));
  block("dao.count_for", "*nc: " + std::to_string(*nc) + "\n");
  {
    auto small = services.with_pagination({.page_size = 2, .max_page_size = 3});
    auto pg = small.page();
    auto big = small.page(4);
    block("dao.with_pagination.call",
          "auto small = services.with_pagination({.page_size = 2, .max_page_size = 3});\n"
          "auto pg = small.page();\nauto big = small.page(4);");
    block("dao.with_pagination",
          "pg->rows.size(): " + std::to_string(pg ? pg->rows.size() : 0) +
              "\nbig: " + (big ? std::string("ok") : big.error().to_string()) + "\n");
  }

  // Cache keys.
  auto targets = db.dao<Target>();
  DO("dao.cache_key_upstream", upstream,
     ups.insert(
         {.id = *typedao::parse_uuid("6bc989c5-d349-4808-bfbe-e3184237e8bf"), .name = "backend"}));
  DO("dao.cache_key_insert", tgt,
     targets.insert({.upstream = *upstream, .target = "10.0.0.7:8000"}));
  block("dao.cache_key.call", "std::string k = decltype(targets)::cache_key(*tgt);");
  auto tk = decltype(targets)::cache_key(*tgt);
  block("dao.cache_key", "k: \"" + tk + "\"\n");
  DO("dao.cache_key_select", byk, targets.select_by_cache_key(tk));
  if (!byk->has_value()) return 1;

  // Truncate.
  DO("dao.truncate", tr, services.truncate());
  DO("dao.truncate_count", after, routes.count());
  block("dao.truncate", "routes left: " + std::to_string(*after) + "\n");
  return 0;
}
