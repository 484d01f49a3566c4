// The compile-time floor for examples/quickstart.cpp: the same two entities and the same calls
// (create the tables, insert a service, insert a plugin referencing it, insert a duplicate name
// and recognise the unique violation), written by hand over libpq with binary parameters and
// results, and Boost.Describe for the column lists. No validation, no error mapping beyond the
// one SQLSTATE, no generated SQL: what a careful hand-written program needs and no more.
// scripts/bench.sh compile compiles it beside the quickstart (docs/benchmarks.md).

#include <libpq-fe.h>
#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/uuid/uuid.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

using timestamp = std::chrono::sys_time<std::chrono::microseconds>;
constexpr std::int64_t pg_epoch_us = 946'684'800'000'000;

struct Service {
  boost::uuids::uuid id{};
  timestamp created_at;
  timestamp updated_at;
  std::optional<std::string> name;
  std::string protocol = "http";
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, protocol, host, port, tags))

struct Plugin {
  boost::uuids::uuid id{};
  timestamp created_at;
  std::string name;
  boost::uuids::uuid service_id{};
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, created_at, name, service_id, enabled))

template <class T>
std::string column_list() {
  std::string out;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto d) {
        if (!out.empty()) out += ", ";
        out += '"';
        out += d.name;
        out += '"';
      });
  return out;
}

std::uint32_t be32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
std::uint64_t be64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
timestamp ts(const char* p) {
  return timestamp{std::chrono::microseconds{static_cast<std::int64_t>(be64(p)) + pg_epoch_us}};
}
std::string uuid_text(const boost::uuids::uuid& u) {
  static const char hex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[u.data[i] >> 4];
    s += hex[u.data[i] & 15];
  }
  return s;
}

bool text_array(const char* p, int n, std::vector<std::string>& out) {
  if (n < 12) return false;
  if (be32(p) == 0) return true;
  if (n < 20) return false;
  const std::uint32_t count = be32(p + 12);
  const char* end = p + n;
  p += 20;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (end - p < 4) return false;
    const auto len = static_cast<std::int32_t>(be32(p));
    p += 4;
    if (len < 0 || end - p < len) return false;
    out.emplace_back(p, static_cast<std::size_t>(len));
    p += len;
  }
  return true;
}

bool ok(PGresult* r, const char* what) {
  const auto st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return true;
  std::fprintf(stderr, "%s: %s", what, PQresultErrorMessage(r));
  return false;
}

std::optional<Service> insert_service(PGconn* c, const Service& s, std::string* sqlstate) {
  static const std::string sql =
      "INSERT INTO services (name, protocol, host, port, tags) VALUES ($1, $2, $3, "
      "$4, '{}') RETURNING " +
      column_list<Service>();
  const std::uint32_t port = __builtin_bswap32(static_cast<std::uint32_t>(s.port));
  const char* values[4] = {s.name ? s.name->c_str() : nullptr, s.protocol.c_str(), s.host.c_str(),
                           reinterpret_cast<const char*>(&port)};
  const int lengths[4] = {s.name ? static_cast<int>(s.name->size()) : 0,
                          static_cast<int>(s.protocol.size()), static_cast<int>(s.host.size()), 4};
  const int formats[4] = {1, 1, 1, 1};
  const Oid types[4] = {25, 25, 25, 23};
  PGresult* r = PQexecParams(c, sql.c_str(), 4, types, values, lengths, formats, 1);
  std::optional<Service> out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQnfields(r) == 8) {
    Service& v = out.emplace();
    std::memcpy(v.id.data, PQgetvalue(r, 0, 0), 16);
    v.created_at = ts(PQgetvalue(r, 0, 1));
    v.updated_at = ts(PQgetvalue(r, 0, 2));
    if (!PQgetisnull(r, 0, 3))
      v.name.emplace(PQgetvalue(r, 0, 3), static_cast<std::size_t>(PQgetlength(r, 0, 3)));
    v.protocol.assign(PQgetvalue(r, 0, 4), static_cast<std::size_t>(PQgetlength(r, 0, 4)));
    v.host.assign(PQgetvalue(r, 0, 5), static_cast<std::size_t>(PQgetlength(r, 0, 5)));
    v.port = static_cast<std::int32_t>(be32(PQgetvalue(r, 0, 6)));
    if (!text_array(PQgetvalue(r, 0, 7), PQgetlength(r, 0, 7), v.tags)) out.reset();
  } else if (const char* st = PQresultErrorField(r, PG_DIAG_SQLSTATE)) {
    *sqlstate = st;
  }
  PQclear(r);
  return out;
}

std::optional<Plugin> insert_plugin(PGconn* c, const Plugin& p) {
  static const std::string sql =
      "INSERT INTO plugins (name, service_id, enabled) VALUES ($1, $2, $3) RETURNING " +
      column_list<Plugin>();
  const char enabled = p.enabled ? 1 : 0;
  const char* values[3] = {p.name.c_str(), reinterpret_cast<const char*>(p.service_id.data),
                           &enabled};
  const int lengths[3] = {static_cast<int>(p.name.size()), 16, 1};
  const int formats[3] = {1, 1, 1};
  const Oid types[3] = {25, 2950, 16};
  PGresult* r = PQexecParams(c, sql.c_str(), 3, types, values, lengths, formats, 1);
  std::optional<Plugin> out;
  if (ok(r, "insert plugin") && PQntuples(r) == 1 && PQnfields(r) == 5) {
    Plugin& v = out.emplace();
    std::memcpy(v.id.data, PQgetvalue(r, 0, 0), 16);
    v.created_at = ts(PQgetvalue(r, 0, 1));
    v.name.assign(PQgetvalue(r, 0, 2), static_cast<std::size_t>(PQgetlength(r, 0, 2)));
    std::memcpy(v.service_id.data, PQgetvalue(r, 0, 3), 16);
    v.enabled = PQgetvalue(r, 0, 4)[0] != 0;
  }
  PQclear(r);
  return out;
}

}  // namespace

int main() {
  PGconn* c = PQconnectdb("");
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
    return 1;
  }
  PGresult* r = PQexec(
      c,
      "DROP SCHEMA IF EXISTS quickstart_floor CASCADE; CREATE SCHEMA quickstart_floor; "
      "SET search_path TO quickstart_floor; "
      "CREATE TABLE services (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at "
      "timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), name "
      "text "
      "UNIQUE, protocol text NOT NULL, host text NOT NULL, port integer NOT NULL, tags text[] NOT "
      "NULL); CREATE TABLE plugins (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at "
      "timestamptz NOT NULL DEFAULT now(), name text NOT NULL, service_id uuid NOT NULL REFERENCES "
      "services (id) ON DELETE CASCADE, enabled boolean NOT NULL)");
  const bool created = ok(r, "schema");
  PQclear(r);
  if (!created) return 1;
  std::string sqlstate;
  Service in;
  in.name = "httpbin";
  in.host = "httpbin.org";
  auto svc = insert_service(c, in, &sqlstate);
  if (!svc) return 1;
  std::printf("service  %s name=%s host=%s port=%d protocol=%s\n", uuid_text(svc->id).c_str(),
              svc->name->c_str(), svc->host.c_str(), svc->port, svc->protocol.c_str());
  Plugin p;
  p.name = "key-auth";
  p.service_id = svc->id;
  auto plugin = insert_plugin(c, p);
  if (!plugin) return 1;
  std::printf("plugin   %s name=%s service=%s enabled=%s\n", uuid_text(plugin->id).c_str(),
              plugin->name.c_str(), uuid_text(plugin->service_id).c_str(),
              plugin->enabled ? "true" : "false");
  Service dup;
  dup.name = "httpbin";
  dup.host = "example.com";
  auto again = insert_service(c, dup, &sqlstate);
  std::printf("expected error: %s\n", sqlstate.c_str());
  PQfinish(c);
  return !again && sqlstate == "23505" ? 0 : 1;
}
