// Every schema rule, the message it gives, and the SQL an update runs when rules need the stored
// row. docs/rules.md quotes the output. Needs a server.
#include "logging.hpp"
#include "report.hpp"

#include <typedao/regex.hpp>
#include <typedao/typedao.hpp>

#include <functional>

namespace demo {

inline std::vector<std::string> default_methods() { return {"GET", "POST"}; }

struct Checked {
  typedao::uuid id;
  std::string req = "x";
  std::optional<std::string> nothing;
  std::string fixed = "v1";
  std::string other = "b";
  std::string proto = "http";
  std::string name = "ok";
  std::int32_t retries = 1;
  std::int32_t port = 80;
  std::string code = "ab";
  std::string word = "abc";
  std::vector<std::string> tags;
  std::string path = "/";
  std::string host = "example.com";
  std::string label = "ok";
  std::vector<std::string> methods = default_methods();
  std::int32_t even = 2;
};
BOOST_DESCRIBE_STRUCT(Checked, (),
                      (id, req, nothing, fixed, other, proto, name, retries, port, code, word, tags,
                       path, host, label, methods, even))
TYPEDAO_ENTITY(Checked, "checked", typedao::required(&Checked::req),
               typedao::absent(&Checked::nothing), typedao::eq(&Checked::fixed, "v1"),
               typedao::ne(&Checked::other, "a"), typedao::one_of(&Checked::proto, "http", "https"),
               typedao::not_one_of(&Checked::name, "admin", "root"),
               typedao::gt(&Checked::retries, 0), typedao::between(&Checked::port, 1, 65535),
               typedao::len_eq(&Checked::code, 2), typedao::len_min(&Checked::word, 3),
               typedao::len_max(&Checked::tags, 2), typedao::starts_with(&Checked::path, "/"),
               typedao::match(&Checked::host, "[a-z0-9.-]+"),
               typedao::not_match(&Checked::label, "\\s"),
               typedao::contains(&Checked::methods, "GET"),
               typedao::custom(
                   &Checked::even, [](std::int32_t v) { return v % 2 == 0; }, "must be even"))

struct Pair {
  typedao::uuid id;
  std::optional<std::string> a1, a2, o1, o2, r1, r2, x1, x2, d1, d2, protocol, path;
  std::int32_t low = 1;
  std::int32_t high = 2;
};
BOOST_DESCRIBE_STRUCT(Pair, (),
                      (id, a1, a2, o1, o2, r1, r2, x1, x2, d1, d2, protocol, path, low, high))
TYPEDAO_ENTITY(
    Pair, "pairs", typedao::at_least_one_of(&Pair::a1, &Pair::a2),
    typedao::only_one_of(&Pair::o1, &Pair::o2), typedao::mutually_required(&Pair::r1, &Pair::r2),
    typedao::mutually_exclusive(&Pair::x1, &Pair::x2), typedao::distinct(&Pair::d1, &Pair::d2),
    typedao::conditional(typedao::one_of(&Pair::protocol, "tcp", "tls"),
                         typedao::absent(&Pair::path)),
    typedao::check([](const Pair& p) { return p.low < p.high; }, "low must be below high"))

// Rules that need the stored row on update.
struct Certificate {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string cert;
  std::optional<std::string> cert_alt;
  std::optional<std::string> key_alt;
  std::optional<std::string> fingerprint;
};
BOOST_DESCRIBE_STRUCT(Certificate, (), (id, created_at, cert, cert_alt, key_alt, fingerprint))
TYPEDAO_ENTITY(Certificate, "certificates", typedao::required(&Certificate::cert),
               typedao::immutable(&Certificate::fingerprint),
               typedao::mutually_required(&Certificate::cert_alt, &Certificate::key_alt))

}  // namespace demo

using namespace demo;
using docgen::block;
using typedao::set;

template <class D, class E>
std::string message_of(D& dao, const E& e) {
  auto r = dao.insert(e);
  if (r) return "UNEXPECTED SUCCESS";
  std::string out;
  for (auto& f : r.error().fields) {
    if (!out.empty()) out += "; ";
    out += (f.field == "@entity" ? "" : f.field + ": ") + f.value;
  }
  return out;
}

int main() {
  auto pg = typedao::pg::connect();
  if (!pg) return 1;
  logging_connection conn{&*pg, {}};
  typedao::basic_database<logging_connection, Checked, Pair, Certificate> db{conn};
  if (auto m = db.migrate(); !m) {
    block("fatal", m.error().to_string());
    return 1;
  }
  conn.take_log();
  auto checked = db.dao<Checked>();
  auto pairs = db.dao<Pair>();

  struct field_case {
    const char* rule;
    const char* value;
    std::function<void(Checked&)> spoil;
  };
  const field_case field_cases[] = {
      {"required(&Checked::req)", "req = \"\"", [](Checked& c) { c.req = ""; }},
      {"absent(&Checked::nothing)", "nothing = \"x\"", [](Checked& c) { c.nothing = "x"; }},
      {"eq(&Checked::fixed, \"v1\")", "fixed = \"v2\"", [](Checked& c) { c.fixed = "v2"; }},
      {"ne(&Checked::other, \"a\")", "other = \"a\"", [](Checked& c) { c.other = "a"; }},
      {"one_of(&Checked::proto, \"http\", \"https\")", "proto = \"ftp\"",
       [](Checked& c) { c.proto = "ftp"; }},
      {"not_one_of(&Checked::name, \"admin\", \"root\")", "name = \"root\"",
       [](Checked& c) { c.name = "root"; }},
      {"gt(&Checked::retries, 0)", "retries = 0", [](Checked& c) { c.retries = 0; }},
      {"between(&Checked::port, 1, 65535)", "port = 70000", [](Checked& c) { c.port = 70000; }},
      {"len_eq(&Checked::code, 2)", "code = \"abc\"", [](Checked& c) { c.code = "abc"; }},
      {"len_min(&Checked::word, 3)", "word = \"ab\"", [](Checked& c) { c.word = "ab"; }},
      {"len_max(&Checked::tags, 2)", "tags = {\"a\", \"b\", \"c\"}",
       [](Checked& c) {
         c.tags = {"a", "b", "c"};
       }},
      {"starts_with(&Checked::path, \"/\")", "path = \"api\"", [](Checked& c) { c.path = "api"; }},
      {"match(&Checked::host, \"[a-z0-9.-]+\")", "host = \"Example.COM\"",
       [](Checked& c) { c.host = "Example.COM"; }},
      {"not_match(&Checked::label, \"\\\\s\")", "label = \"two words\"",
       [](Checked& c) { c.label = "two words"; }},
      {"contains(&Checked::methods, \"GET\")", "methods = {\"POST\"}",
       [](Checked& c) { c.methods = {"POST"}; }},
      {"custom(&Checked::even, [](std::int32_t v) { return v % 2 == 0; }, \"must be even\")",
       "even = 3", [](Checked& c) { c.even = 3; }},
  };
  std::string table = "| rule | value | message |\n|---|---|---|\n";
  for (auto& fc : field_cases) {
    Checked c{};
    fc.spoil(c);
    table += std::string("| `typedao::") + fc.rule + "` | `" + fc.value + "` | `" +
             message_of(checked, c) + "` |\n";
  }
  block("rules.field_table", table);

  auto base = [] {
    Pair p{};
    p.a1 = "a";
    p.o1 = "o";
    return p;
  };
  struct entity_case {
    const char* rule;
    const char* value;
    std::function<void(Pair&)> spoil;
  };
  const entity_case entity_cases[] = {
      {"at_least_one_of(&Pair::a1, &Pair::a2)", "a1, a2 empty", [](Pair& p) { p.a1.reset(); }},
      {"only_one_of(&Pair::o1, &Pair::o2)", "o1 and o2 set", [](Pair& p) { p.o2 = "o"; }},
      {"mutually_required(&Pair::r1, &Pair::r2)", "r1 set, r2 empty", [](Pair& p) { p.r1 = "r"; }},
      {"mutually_exclusive(&Pair::x1, &Pair::x2)", "x1 and x2 set",
       [](Pair& p) {
         p.x1 = "x";
         p.x2 = "x";
       }},
      {"distinct(&Pair::d1, &Pair::d2)", "d1 = d2 = \"same\"",
       [](Pair& p) {
         p.d1 = "same";
         p.d2 = "same";
       }},
      {"conditional(one_of(&Pair::protocol, \"tcp\", \"tls\"), absent(&Pair::path))",
       "protocol = \"tcp\", path = \"/x\"",
       [](Pair& p) {
         p.protocol = "tcp";
         p.path = "/x";
       }},
      {"check([](const Pair& p) { return p.low < p.high; }, \"low must be below high\")",
       "low = 3, high = 2", [](Pair& p) { p.low = 3; }},
  };
  table = "| rule | value | message |\n|---|---|---|\n";
  for (auto& ec : entity_cases) {
    Pair p = base();
    ec.spoil(p);
    table += std::string("| `typedao::") + ec.rule + "` | " + ec.value + " | `" +
             message_of(pairs, p) + "` |\n";
  }
  block("rules.entity_table", table);

  // Several problems at once: one SCHEMA_VIOLATION listing them all.
  {
    Checked c{};
    c.req = "";
    c.port = 0;
    c.tags = {"a", "b", "c"};
    ERR("rules.many", checked.insert(c));
  }
  {
    Pair p = base();
    p.a1.reset();
    p.protocol = "tcp";
    p.path = "/x";
    ERR("rules.entity_many", pairs.insert(p));
  }
  conn.take_log();

  // update: a rule on a changed member is checked before sending; one statement.
  auto c0 = checked.insert(Checked{});
  if (!c0) return 1;
  conn.take_log();
  ERR("rules.update_field", checked.update(c0->id, set<&Checked::port>(0)));
  block("rules.update_field_sql",
        "-- statements sent: " + std::to_string(conn.log.size()) + "\n" + conn.take_log());
  auto u = checked.update(c0->id, set<&Checked::port>(8080));
  block("rules.update_plain_sql", conn.take_log());

  // update of an immutable member or a member in an entity rule: locked read, check, write.
  auto certs = db.dao<Certificate>();
  auto cert = certs.insert({.cert = "-----BEGIN CERTIFICATE-----", .fingerprint = "ab:cd"});
  if (!cert) {
    block("fatal", cert.error().to_string());
    return 1;
  }
  conn.take_log();
  ERR("rules.immutable", certs.update(cert->id, set<&Certificate::fingerprint>("ef:01")));
  block("rules.immutable_sql", conn.take_log());
  ERR("rules.entity_update", certs.update(cert->id, set<&Certificate::cert_alt>("alt")));
  conn.take_log();
  auto ok =
      certs.update(cert->id, set<&Certificate::cert_alt>("alt"), set<&Certificate::key_alt>("key"));
  if (!ok) {
    block("fatal", ok.error().to_string());
    return 1;
  }
  block("rules.entity_update_ok_sql", conn.take_log());
  // Inside a transaction of the caller's: a savepoint instead of BEGIN.
  (void)conn.execute_script("BEGIN");
  auto in_tx = certs.update(cert->id, set<&Certificate::key_alt>("key2"));
  (void)conn.execute_script("COMMIT");
  block("rules.savepoint_sql", conn.take_log());
  (void)in_tx;
  (void)u;
  return 0;
}
