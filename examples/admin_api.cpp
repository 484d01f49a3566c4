// admin_api: a small Kong-style Admin API over Boost.Beast on the asynchronous DAO. One
// io_context thread serves HTTP and talks to PostgreSQL through a pool of pipelined connections;
// no call blocks the loop.
//
//   GET    /services[?size=N&offset=T]        a page: {"data": [...], "offset": T|null, "next":
//   ...} POST   /services                          create: 201 and the entity GET    /services/{id
//   or name}             200, or 404 {"message": "Not found"} PATCH  /services/{id} update the
//   fields given: 200 PUT    /services/{id}                     create or replace: 200 DELETE
//   /services/{id}                     204 (also when there was none) GET
//   /services/{id}/routes[?size&offset] the routes of a service, a page POST /services/{id}/routes
//   create a route of the service: 201
//
// Errors are Kong's bodies, {"code": 5, "name": "unique constraint violation", "message": ...,
// "fields": {...}}, with Kong's status codes: 400 (schema, invalid primary key / offset / size,
// foreign key), 404, 409 (unique / primary key), 503 (pool), 504 (deadline), 500 otherwise.
//
//   admin_api [--port-file FILE]   serves on 127.0.0.1 (a free port, written to FILE) until
//                                  SIGINT or SIGTERM. The database: libpq's environment.
// Its tables live in the schema admin_api_example, recreated at start.
// tests/examples/admin_api_test.sh starts it against the test server and drives it with curl.

#include <typedao/async.hpp>
#include <typedao/typedao.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// ---- the entities ----------------------------------------------------------------------------

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string protocol = "http";
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, protocol, host, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name),
               typedao::one_of(&Service::protocol, "http", "https", "grpc", "tcp"),
               typedao::between(&Service::port, 0, 65535), typedao::required(&Service::host))

struct Route {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  typedao::foreign<Service> service;
  std::vector<std::string> paths;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, created_at, updated_at, name, service, paths))
TYPEDAO_ENTITY(Route, "routes", typedao::unique(&Route::name),
               typedao::on_delete(&Route::service, typedao::cascade))

using registry = typedao::detail::registry<Service, Route>;
using pool_t = typedao::pg::async_pool;
using services_t = typedao::async_dao<Service, pool_t, registry>;
using routes_t = typedao::async_dao<Route, pool_t, registry>;

// ---- JSON --------------------------------------------------------------------------------------

long long unix_seconds(typedao::timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

json::value to_json(const Service& s) {
  json::array tags;
  for (const auto& t : s.tags) tags.emplace_back(t);
  return json::object{{"id", typedao::to_string(s.id)},
                      {"created_at", unix_seconds(s.created_at)},
                      {"updated_at", unix_seconds(s.updated_at)},
                      {"name", s.name ? json::value(*s.name) : json::value(nullptr)},
                      {"protocol", s.protocol},
                      {"host", s.host},
                      {"port", s.port},
                      {"tags", std::move(tags)}};
}

json::value to_json(const Route& r) {
  json::array paths;
  for (const auto& p : r.paths) paths.emplace_back(p);
  return json::object{{"id", typedao::to_string(r.id)},
                      {"created_at", unix_seconds(r.created_at)},
                      {"updated_at", unix_seconds(r.updated_at)},
                      {"name", r.name ? json::value(*r.name) : json::value(nullptr)},
                      {"service", json::object{{"id", typedao::to_string(r.service.key())}}},
                      {"paths", std::move(paths)}};
}

// A field of a request body, or a message saying why it is not usable.
template <class F>
const char* read_field(const json::object& o, std::string_view k, F&& assign) {
  auto it = o.find(k);
  if (it == o.end()) return nullptr;
  return assign(it->value());
}

const char* as_string(const json::value& v, std::string& out) {
  if (!v.is_string()) return "expected a string";
  out = std::string(v.as_string());
  return nullptr;
}

const char* as_strings(const json::value& v, std::vector<std::string>& out) {
  if (!v.is_array()) return "expected an array";
  out.clear();
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return "expected a string";
    out.emplace_back(e.as_string());
  }
  return nullptr;
}

// ---- HTTP --------------------------------------------------------------------------------------

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

response reply(const request& req, http::status st, const json::value& body) {
  response res{st, req.version()};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::server, "typedao-admin-api");
  res.keep_alive(req.keep_alive());
  if (st != http::status::no_content) res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

http::status status_of(typedao::error_code c) {
  using E = typedao::error_code;
  switch (c) {
    case E::not_found:
      return http::status::not_found;
    case E::unique_violation:
    case E::primary_key_violation:
      return http::status::conflict;
    case E::schema_violation:
    case E::invalid_primary_key:
    case E::foreign_key_violation:
    case E::invalid_offset:
    case E::invalid_size:
    case E::invalid_unique:
    case E::invalid_options:
    case E::invalid_foreign_key:
      return http::status::bad_request;
    case E::pool_exhausted:
    case E::acquire_timeout:
      return http::status::service_unavailable;
    case E::deadline_exceeded:
      return http::status::gateway_timeout;
    default:
      return http::status::internal_server_error;
  }
}

// Kong's error body.
response error_reply(const request& req, const typedao::error& e) {
  const auto st = status_of(e.code);
  if (st == http::status::internal_server_error)
    return reply(req, st, json::object{{"message", "An unexpected error occurred"}});
  json::object body{
      {"code", static_cast<int>(e.code)}, {"name", std::string(e.name())}, {"message", e.message}};
  if (!e.fields.empty()) {
    json::object fields;
    for (const auto& f : e.fields) fields[f.field] = f.value;
    body["fields"] = std::move(fields);
  }
  return reply(req, st, body);
}

response not_found(const request& req) {
  return reply(req, http::status::not_found, json::object{{"message", "Not found"}});
}

response bad_body(const request& req, const std::string& why) {
  return reply(req, http::status::bad_request,
               json::object{{"code", 2}, {"name", "schema violation"}, {"message", why}});
}

struct target {
  std::vector<std::string> parts;  // path segments
  std::optional<std::int64_t> size;
  std::string offset;
  bool bad_size = false;
};

target parse_target(std::string_view t) {
  target out;
  const auto q = t.find('?');
  std::string_view path = t.substr(0, q), query = q == t.npos ? "" : t.substr(q + 1);
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const auto j = path.find('/', i);
    if (i < path.size()) out.parts.emplace_back(path.substr(i, j == path.npos ? path.npos : j - i));
    i = j == path.npos ? path.size() : j;
  }
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == query.npos ? "" : query.substr(amp + 1);
    const auto eq = kv.find('=');
    const std::string_view k = kv.substr(0, eq), v = eq == kv.npos ? "" : kv.substr(eq + 1);
    if (k == "size") {
      try {
        out.size = std::stoll(std::string(v));
      } catch (...) {
        out.bad_size = true;
      }
    } else if (k == "offset") {
      out.offset = std::string(v);  // typedao's tokens are URL-safe
    }
  }
  return out;
}

template <class T>
response page_reply(const request& req, const typedao::page<T>& p, const std::string& base) {
  json::array data;
  for (const auto& row : p.rows) data.push_back(to_json(row));
  json::object body{{"data", std::move(data)}};
  body["offset"] = p.offset ? json::value(*p.offset) : json::value(nullptr);
  body["next"] = p.offset ? json::value(base + "?offset=" + *p.offset) : json::value(nullptr);
  return reply(req, http::status::ok, body);
}

// ---- the handlers ------------------------------------------------------------------------------

// Fills a Service from a request body; a message when a field has the wrong type.
std::optional<std::string> service_from(const json::object& o, Service& s) {
  const char* err = nullptr;
  std::string field;
  auto check = [&](std::string_view k, auto&& f) {
    if (err) return;
    if ((err = read_field(o, k, f))) field = k;
  };
  check("name", [&](const json::value& v) -> const char* {
    if (v.is_null()) return s.name.reset(), nullptr;
    std::string n;
    if (auto e = as_string(v, n)) return e;
    s.name = std::move(n);
    return nullptr;
  });
  check("protocol", [&](const json::value& v) { return as_string(v, s.protocol); });
  check("host", [&](const json::value& v) { return as_string(v, s.host); });
  check("port", [&](const json::value& v) -> const char* {
    if (!v.is_int64() || v.as_int64() < INT32_MIN || v.as_int64() > INT32_MAX)
      return "expected an integer";
    s.port = static_cast<std::int32_t>(v.as_int64());
    return nullptr;
  });
  check("tags", [&](const json::value& v) { return as_strings(v, s.tags); });
  if (err) return "schema violation (" + field + ": " + err + ")";
  return std::nullopt;
}

awaitable<response> handle(const request& req, services_t& services, routes_t& routes) {
  const auto t = parse_target(req.target());
  const auto& p = t.parts;
  if (p.empty() || p[0] != "services") co_return not_found(req);
  if (t.bad_size) co_return bad_body(req, "size must be a number");
  std::optional<json::object> body;
  if (req.method() == http::verb::post || req.method() == http::verb::patch ||
      req.method() == http::verb::put) {
    boost::system::error_code ec;
    auto v = json::parse(req.body(), ec);
    if (ec || !v.is_object()) co_return bad_body(req, "the body must be a JSON object");
    body = std::move(v.as_object());
  }

  // /services
  if (p.size() == 1) {
    if (req.method() == http::verb::get) {
      auto r = co_await services.page(t.size, t.offset);
      co_return r ? page_reply(req, *r, "/services") : error_reply(req, r.error());
    }
    if (req.method() == http::verb::post) {
      Service s{};  // value-initialised: a nil id (the DAO generates one)
      if (auto why = service_from(*body, s)) co_return bad_body(req, *why);
      auto r = co_await services.insert(s);
      co_return r ? reply(req, http::status::created, to_json(*r)) : error_reply(req, r.error());
    }
    co_return reply(req, http::status::method_not_allowed,
                    json::object{{"message", "Method not allowed"}});
  }

  // /services/{id or name}
  std::optional<typedao::uuid> id = typedao::parse_uuid(p[1]);
  if (!id && req.method() == http::verb::get && p.size() == 2) {
    const std::string name = p[1];
    auto r = co_await services.select_by<&Service::name>(name);
    if (!r) co_return error_reply(req, r.error());
    co_return *r ? reply(req, http::status::ok, to_json(**r)) : not_found(req);
  }
  if (!id) co_return not_found(req);
  const typedao::uuid key = *id;

  if (p.size() == 2) {
    switch (req.method()) {
      case http::verb::get: {
        auto r = co_await services.select(key);
        if (!r) co_return error_reply(req, r.error());
        co_return *r ? reply(req, http::status::ok, to_json(**r)) : not_found(req);
      }
      case http::verb::put: {
        Service s{};
        if (auto why = service_from(*body, s)) co_return bad_body(req, *why);
        auto r = co_await services.upsert(key, s);
        co_return r ? reply(req, http::status::ok, to_json(*r)) : error_reply(req, r.error());
      }
      case http::verb::patch: {
        // The fields given, over the stored entity (read, then one UPDATE of those fields).
        auto cur = co_await services.select(key);
        if (!cur) co_return error_reply(req, cur.error());
        if (!*cur) co_return not_found(req);
        Service s = **cur;
        if (auto why = service_from(*body, s)) co_return bad_body(req, *why);
        // (Named: g++ 12 mishandles temporaries that own memory in a co_await expression.)
        const auto name = typedao::set<&Service::name>(s.name);
        const auto protocol = typedao::set<&Service::protocol>(s.protocol);
        const auto host = typedao::set<&Service::host>(s.host);
        const auto port = typedao::set<&Service::port>(s.port);
        const auto tags = typedao::set<&Service::tags>(s.tags);
        auto r = co_await services.update(key, name, protocol, host, port, tags);
        co_return r ? reply(req, http::status::ok, to_json(*r)) : error_reply(req, r.error());
      }
      case http::verb::delete_: {
        auto r = co_await services.remove(key);
        co_return r ? reply(req, http::status::no_content, nullptr) : error_reply(req, r.error());
      }
      default:
        co_return reply(req, http::status::method_not_allowed,
                        json::object{{"message", "Method not allowed"}});
    }
  }

  // /services/{id}/routes
  if (p.size() == 3 && p[2] == "routes") {
    if (req.method() == http::verb::get) {
      auto svc = co_await services.select(key);
      if (!svc) co_return error_reply(req, svc.error());
      if (!*svc) co_return not_found(req);
      auto r = co_await routes.page_for<&Route::service>(key, t.size, t.offset);
      co_return r ? page_reply(req, *r, "/services/" + p[1] + "/routes")
                  : error_reply(req, r.error());
    }
    if (req.method() == http::verb::post) {
      Route rt{};
      rt.service = key;
      const char* err =
          read_field(*body, "paths", [&](const json::value& v) { return as_strings(v, rt.paths); });
      if (!err)
        err = read_field(*body, "name", [&](const json::value& v) -> const char* {
          std::string n;
          if (auto e = as_string(v, n)) return e;
          rt.name = std::move(n);
          return nullptr;
        });
      if (err) co_return bad_body(req, std::string("schema violation (") + err + ")");
      auto r = co_await routes.insert(rt);
      co_return r ? reply(req, http::status::created, to_json(*r)) : error_reply(req, r.error());
    }
  }
  co_return not_found(req);
}

awaitable<void> session(tcp::socket sock, services_t& services, routes_t& routes) {
  boost::beast::flat_buffer buf;
  for (;;) {
    request req;
    auto [ec, n] = co_await http::async_read(sock, buf, req, asio::as_tuple(use_awaitable));
    (void)n;
    if (ec) co_return;  // closed, or not HTTP
    response res = co_await handle(req, services, routes);
    auto [wec, wn] = co_await http::async_write(sock, res, asio::as_tuple(use_awaitable));
    (void)wn;
    if (wec || !res.keep_alive()) co_return;
  }
}

awaitable<void> listen(tcp::acceptor& acc, services_t& services, routes_t& routes) {
  for (;;) {
    auto [ec, sock] = co_await acc.async_accept(asio::as_tuple(use_awaitable));
    if (ec) co_return;  // closed at shutdown
    asio::co_spawn(acc.get_executor(), session(std::move(sock), services, routes), asio::detached);
  }
}

int main(int argc, char** argv) {
  std::string port_file;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--port-file") port_file = argv[i + 1];

  {  // The tables (blocking, once at start).
    auto c = typedao::pg::connect();
    if (!c) {
      std::fprintf(stderr, "admin_api: %s\n", c.error().message.c_str());
      return 1;
    }
    // A schema of its own, recreated each run.
    if (auto r = c->execute_script(
            "DROP SCHEMA IF EXISTS admin_api_example CASCADE; CREATE SCHEMA admin_api_example; "
            "SET search_path TO admin_api_example");
        !r) {
      std::fprintf(stderr, "admin_api: %s\n", r.error().message.c_str());
      return 1;
    }
    if (auto r = typedao::database<Service, Route>(*c).migrate(); !r) {
      std::fprintf(stderr, "admin_api: migrate: %s\n", r.error().message.c_str());
      return 1;
    }
  }

  asio::io_context io(1);
  typedao::pg::pool_options o;
  o.max_size = 4;
  o.max_waiting = 1024;
  o.connection.init_sql = "SET search_path TO admin_api_example";
  pool_t pool(io.get_executor(), o);
  services_t services(pool);
  routes_t routes(pool);

  tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acc.local_endpoint().port();
  std::printf("admin_api: listening on 127.0.0.1:%u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  if (!port_file.empty()) std::ofstream(port_file) << port << "\n";

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    acc.close();
    io.stop();
  });
  asio::co_spawn(io, listen(acc, services, routes), asio::detached);
  io.run();
  return 0;
}
