// Shared by the benchmarks: the quickstart's Service entity, the hand-written libpq baseline
// (same SQL, same parameter types, binary in and out, decoding into the same struct) and CPU
// pinning. See docs/benchmarks.md.
#ifndef TYPEDAO_BENCH_COMMON_HPP
#define TYPEDAO_BENCH_COMMON_HPP

#include <typedao/typedao.hpp>

#include <libpq-fe.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The quickstart's Service (examples/quickstart.cpp).
struct Service {
  typedao::uuid id;                 // primary key; generated on insert when nil
  typedao::timestamp created_at;    // set on insert
  typedao::timestamp updated_at;    // set on insert, update and upsert
  std::optional<std::string> name;  // std::optional => nullable
  std::string protocol = "http";
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;  // text[]
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, protocol, host, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

inline bool same_service(const Service& a, const Service& b) {
  return a.id == b.id && a.created_at == b.created_at && a.updated_at == b.updated_at &&
         a.name == b.name && a.protocol == b.protocol && a.host == b.host && a.port == b.port &&
         a.tags == b.tags;
}

// ---- the baseline: what a careful programmer writes with libpq alone ---------------------------
namespace handpq {

// Exactly the statements typedao prepares (checked below), so both variants do the same work
// on the server: same columns, same RETURNING, same parameter types.
inline constexpr const char* insert_sql =
    "INSERT INTO \"services\" (\"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", "
    "\"host\", "
    "\"port\", \"tags\") VALUES ($1, COALESCE($2, now()), now(), $3, $4, $5, $6, $7) RETURNING "
    "\"id\", "
    "\"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", \"tags\"";
inline constexpr const char* select_sql =
    "SELECT \"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", "
    "\"tags\" "
    "FROM \"services\" WHERE \"id\" = $1";
inline constexpr const char* columns_sql =
    "\"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", \"tags\"";
inline constexpr const char* select_by_name_sql =
    "SELECT \"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", "
    "\"tags\" "
    "FROM \"services\" WHERE \"name\" = $1";
inline constexpr const char* update_port_sql =
    "UPDATE \"services\" SET \"port\" = $2, \"updated_at\" = now() WHERE \"id\" = $1 RETURNING "
    "\"id\", "
    "\"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", \"tags\"";
inline constexpr const char* upsert_sql =
    "INSERT INTO \"services\" (\"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", "
    "\"host\", "
    "\"port\", \"tags\") VALUES ($1, COALESCE($2, now()), now(), $3, $4, $5, $6, $7) ON CONFLICT "
    "(\"id\") DO "
    "UPDATE SET \"created_at\" = COALESCE($2, \"services\".\"created_at\"), \"updated_at\" = "
    "EXCLUDED.\"updated_at\", \"name\" = EXCLUDED.\"name\", \"protocol\" = EXCLUDED.\"protocol\", "
    "\"host\" = "
    "EXCLUDED.\"host\", \"port\" = EXCLUDED.\"port\", \"tags\" = EXCLUDED.\"tags\" RETURNING "
    "\"id\", "
    "\"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", \"tags\"";
inline constexpr const char* delete_sql = "DELETE FROM \"services\" WHERE \"id\" = $1";
inline constexpr const char* page_sql =
    "SELECT \"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", "
    "\"tags\" "
    "FROM \"services\" ORDER BY \"id\" LIMIT $1";
inline constexpr const char* page_after_sql =
    "SELECT \"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", "
    "\"tags\" "
    "FROM \"services\" WHERE \"id\" > $1 ORDER BY \"id\" LIMIT $2";
static_assert(std::string_view(insert_sql) == typedao::sql::insert<Service>(),
              "baseline SQL differs from typedao's");
static_assert(std::string_view(select_sql) == typedao::sql::select<Service>(),
              "baseline SQL differs from typedao's");
static_assert(std::string_view(select_by_name_sql) == typedao::sql::select_by<&Service::name>());
static_assert(std::string_view(update_port_sql) == typedao::sql::update<Service, &Service::port>());
static_assert(std::string_view(upsert_sql) == typedao::sql::upsert<Service>());
static_assert(std::string_view(delete_sql) == typedao::sql::remove<Service>());
static_assert(std::string_view(page_sql) == typedao::sql::page<Service>());
static_assert(std::string_view(page_after_sql) == typedao::sql::page_after<Service>());

// uuid, timestamptz, text, text, text, int4, text[]
inline constexpr Oid insert_types[7] = {2950, 1184, 25, 25, 25, 23, 1009};
inline constexpr Oid select_types[1] = {2950};
inline constexpr Oid text_types[1] = {25};
inline constexpr Oid update_port_types[2] = {2950, 23};
inline constexpr Oid page_types[1] = {20};
inline constexpr Oid page_after_types[2] = {2950, 20};
inline constexpr int binary_formats[7] = {1, 1, 1, 1, 1, 1, 1};

inline constexpr std::int64_t pg_epoch_us = 946'684'800'000'000;  // 2000-01-01 in Unix microseconds

inline std::uint32_t get_be32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline std::uint64_t get_be64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline void put_be32(char* p, std::uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void put_be64(char* p, std::uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// The baseline draws its keys from the same generator as typedao (OS random bytes, buffered).
inline typedao::uuid new_uuid() { return typedao::generate_uuid(); }

// A text[] in PostgreSQL's binary array format, built on the stack (heap only when large).
class text_array {
 public:
  explicit text_array(const std::vector<std::string>& v) {
    std::size_t need = 12 + (v.empty() ? 0 : 8);
    for (auto& s : v) need += 4 + s.size();
    char* p = need <= sizeof small_ ? small_ : (big_.reset(new char[need]), big_.get());
    data_ = p;
    size_ = static_cast<int>(need);
    put_be32(p, v.empty() ? 0 : 1);  // ndim
    put_be32(p + 4, 0);              // no NULLs
    put_be32(p + 8, 25);             // element type text
    if (v.empty()) return;
    put_be32(p + 12, static_cast<std::uint32_t>(v.size()));
    put_be32(p + 16, 1);  // lower bound
    p += 20;
    for (auto& s : v) {
      put_be32(p, static_cast<std::uint32_t>(s.size()));
      std::memcpy(p + 4, s.data(), s.size());
      p += 4 + s.size();
    }
  }
  const char* data() const { return data_; }
  int size() const { return size_; }

 private:
  char small_[256];
  std::unique_ptr<char[]> big_;
  const char* data_;
  int size_;
};

inline bool decode_text_array(const char* p, int n, std::vector<std::string>& out) {
  if (n < 12) return false;
  const std::uint32_t ndim = get_be32(p);
  if (ndim == 0) return true;
  if (ndim != 1 || n < 20) return false;
  const std::uint32_t count = get_be32(p + 12);
  const char* end = p + n;
  p += 20;
  if (count > static_cast<std::uint32_t>(end - p) / 4) return false;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (end - p < 4) return false;
    const auto len = static_cast<std::int32_t>(get_be32(p));
    p += 4;
    if (len < 0 || end - p < len) return false;
    out.emplace_back(p, static_cast<std::size_t>(len));
    p += len;
  }
  return p == end;
}

inline typedao::timestamp decode_ts(const char* p) {
  return typedao::timestamp{
      std::chrono::microseconds{static_cast<std::int64_t>(get_be64(p)) + pg_epoch_us}};
}

// Row `row` of a binary result with the 8 columns above, into a Service.
inline bool decode_service(const PGresult* r, int row, Service& s) {
  if (PQgetlength(r, row, 0) != 16 || PQgetlength(r, row, 1) != 8 || PQgetlength(r, row, 2) != 8 ||
      PQgetlength(r, row, 6) != 4)
    return false;
  std::memcpy(s.id.data, PQgetvalue(r, row, 0), 16);
  s.created_at = decode_ts(PQgetvalue(r, row, 1));
  s.updated_at = decode_ts(PQgetvalue(r, row, 2));
  if (!PQgetisnull(r, row, 3))
    s.name.emplace(PQgetvalue(r, row, 3), static_cast<std::size_t>(PQgetlength(r, row, 3)));
  s.protocol.assign(PQgetvalue(r, row, 4), static_cast<std::size_t>(PQgetlength(r, row, 4)));
  s.host.assign(PQgetvalue(r, row, 5), static_cast<std::size_t>(PQgetlength(r, row, 5)));
  s.port = static_cast<std::int32_t>(get_be32(PQgetvalue(r, row, 6)));
  return decode_text_array(PQgetvalue(r, row, 7), PQgetlength(r, row, 7), s.tags);
}

// The one row of a statement's result, or an empty optional (no row, an error, a bad value).
inline std::optional<Service> one_service(const PGresult* r) {
  std::optional<Service> out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQnfields(r) == 8) {
    out.emplace();
    if (!decode_service(r, 0, *out)) out.reset();
  }
  return out;
}

// The parameters of one insert, encoded from a Service (nil id: a new random uuid; zero
// created_at: NULL, the statement uses now()). Strings are referenced, not copied.
struct insert_params {
  typedao::uuid id;
  char created[8];
  char port[4];
  text_array tags;
  const char* values[7];
  int lengths[7];

  explicit insert_params(const Service& s) : id(s.id.is_nil() ? new_uuid() : s.id), tags(s.tags) {
    values[0] = reinterpret_cast<const char*>(id.data);
    lengths[0] = 16;
    if (s.created_at == typedao::timestamp{}) {
      values[1] = nullptr;
      lengths[1] = 0;
    } else {
      const auto us =
          static_cast<std::uint64_t>(s.created_at.time_since_epoch().count() - pg_epoch_us);
      const std::uint64_t be = __builtin_bswap64(us);
      std::memcpy(created, &be, 8);
      values[1] = created;
      lengths[1] = 8;
    }
    values[2] = s.name ? s.name->data() : nullptr;
    lengths[2] = s.name ? static_cast<int>(s.name->size()) : 0;
    values[3] = s.protocol.data();
    lengths[3] = static_cast<int>(s.protocol.size());
    values[4] = s.host.data();
    lengths[4] = static_cast<int>(s.host.size());
    put_be32(port, static_cast<std::uint32_t>(s.port));
    values[5] = port;
    lengths[5] = 4;
    values[6] = tags.data();
    lengths[6] = tags.size();
  }
};

// A page of the hand-written DAO: the rows, and the key to continue after (none on the last page).
struct hand_page {
  std::vector<Service> rows;
  std::optional<typedao::uuid> next;
};

// Rows [0, n) of a binary result into out; false on a bad value.
inline bool decode_services(const PGresult* r, int n, std::vector<Service>& out) {
  if (PQnfields(r) != 8) return false;
  out.reserve(out.size() + static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    if (!decode_service(r, i, out.emplace_back())) return false;
  return true;
}

// The hand-written DAO: prepare once, then PQexecPrepared with binary parameters and results.
class service_dao {
 public:
  explicit service_dao(PGconn* c) : c_(c) {}

  bool prepare() {
    struct {
      const char* name;
      const char* sql;
      int n;
      const Oid* types;
    } const stmts[] = {{"hand_insert", insert_sql, 7, insert_types},
                       {"hand_select", select_sql, 1, select_types},
                       {"hand_select_by_name", select_by_name_sql, 1, text_types},
                       {"hand_update_port", update_port_sql, 2, update_port_types},
                       {"hand_upsert", upsert_sql, 7, insert_types},
                       {"hand_delete", delete_sql, 1, select_types},
                       {"hand_page", page_sql, 1, page_types},
                       {"hand_page_after", page_after_sql, 2, page_after_types}};
    bool ok = true;
    for (auto& st : stmts) {
      PGresult* a = PQprepare(c_, st.name, st.sql, st.n, st.types);
      ok = ok && PQresultStatus(a) == PGRES_COMMAND_OK;
      PQclear(a);
    }
    return ok;
  }

  std::optional<Service> select_by_name(const std::string& name) {
    const char* values[1] = {name.data()};
    const int lengths[1] = {static_cast<int>(name.size())};
    PGresult* r = PQexecPrepared(c_, "hand_select_by_name", 1, values, lengths, binary_formats, 1);
    std::optional<Service> out = one_service(r);
    PQclear(r);
    return out;
  }

  std::optional<Service> update_port(const typedao::uuid& id, std::int32_t port) {
    char p[4];
    put_be32(p, static_cast<std::uint32_t>(port));
    const char* values[2] = {reinterpret_cast<const char*>(id.data), p};
    const int lengths[2] = {16, 4};
    PGresult* r = PQexecPrepared(c_, "hand_update_port", 2, values, lengths, binary_formats, 1);
    std::optional<Service> out = one_service(r);
    PQclear(r);
    return out;
  }

  // PUT: the key argument replaces the entity's.
  std::optional<Service> upsert(const typedao::uuid& id, const Service& s) {
    insert_params p(s);
    p.values[0] = reinterpret_cast<const char*>(id.data);
    PGresult* r = PQexecPrepared(c_, "hand_upsert", 7, p.values, p.lengths, binary_formats, 1);
    std::optional<Service> out = one_service(r);
    PQclear(r);
    return out;
  }

  bool remove(const typedao::uuid& id) {
    const char* values[1] = {reinterpret_cast<const char*>(id.data)};
    const int lengths[1] = {16};
    PGresult* r = PQexecPrepared(c_, "hand_delete", 1, values, lengths, binary_formats, 1);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
  }

  // Keyset page: size + 1 rows tell whether there is a next page.
  std::optional<hand_page> page(std::int64_t size, const typedao::uuid* after) {
    char limit[8];
    put_be64(limit, static_cast<std::uint64_t>(size + 1));
    PGresult* r;
    if (after) {
      const char* values[2] = {reinterpret_cast<const char*>(after->data), limit};
      const int lengths[2] = {16, 8};
      r = PQexecPrepared(c_, "hand_page_after", 2, values, lengths, binary_formats, 1);
    } else {
      const char* values[1] = {limit};
      const int lengths[1] = {8};
      r = PQexecPrepared(c_, "hand_page", 1, values, lengths, binary_formats, 1);
    }
    std::optional<hand_page> out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      const int got = PQntuples(r);
      const int keep = got > size ? static_cast<int>(size) : got;
      out.emplace();
      if (!decode_services(r, keep, out->rows))
        out.reset();
      else if (got > size)
        out->next = out->rows.back().id;
    }
    PQclear(r);
    return out;
  }

  std::optional<Service> insert(const Service& s) {
    insert_params p(s);
    PGresult* r = PQexecPrepared(c_, "hand_insert", 7, p.values, p.lengths, binary_formats, 1);
    std::optional<Service> out = one_service(r);
    PQclear(r);
    return out;
  }

  // Empty optional: no row or an error (a real program would keep PQresultErrorMessage).
  std::optional<Service> select(const typedao::uuid& id) {
    const char* values[1] = {reinterpret_cast<const char*>(id.data)};
    const int lengths[1] = {16};
    PGresult* r = PQexecPrepared(c_, "hand_select", 1, values, lengths, binary_formats, 1);
    std::optional<Service> out = one_service(r);
    PQclear(r);
    return out;
  }

 private:
  PGconn* c_;
};

}  // namespace handpq

// ---- pinning ---------------------------------------------------------------------------------

// The CPU everything runs on: $TYPEDAO_BENCH_CPU, else the last CPU this process may use.
inline int bench_cpu() {
  if (const char* e = std::getenv("TYPEDAO_BENCH_CPU"); e && *e) return std::atoi(e);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  int last = 0;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &set)) last = i;
  return last;
}

// ---- timing: each call timed on its own, then summarised -----------------------------------

template <class F>
std::int64_t timed_ns(F&& f, bool& ok) {
  const auto a = std::chrono::steady_clock::now();
  ok = f() && ok;
  const auto b = std::chrono::steady_clock::now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

inline double mean_us(const std::vector<std::int64_t>& v) {
  double s = 0;
  for (auto x : v) s += static_cast<double>(x);
  return v.empty() ? 0 : s / static_cast<double>(v.size()) / 1000.0;
}
inline double median_us(std::vector<std::int64_t> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return static_cast<double>(*mid) / 1000.0;
}
inline double percentile_us(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  auto k = v.begin() + static_cast<std::ptrdiff_t>(static_cast<double>(v.size() - 1) * p);
  std::nth_element(v.begin(), k, v.end());
  return static_cast<double>(*k) / 1000.0;
}

// Pins the calling thread (the benchmark runs in main's thread). False when not allowed.
inline bool pin_self(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

// Pins a connection's server backend with taskset (works as root or as the server's owner).
inline bool pin_backend(PGconn* c, int cpu) {
  const int pid = PQbackendPID(c);
  if (pid <= 0) return false;
  char cmd[128];
  std::snprintf(cmd, sizeof cmd, "taskset -p -c %d %d >/dev/null 2>&1", cpu, pid);
  return std::system(cmd) == 0;
}

#endif
