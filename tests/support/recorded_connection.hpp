// A connector that runs nothing: it records what the DAO sends (statement, parameter types and
// bytes) and answers with results recorded in the test (binary rows, or a server error). For
// unit tests of the DAO's own logic: parameter encoding, row mapping, error mapping and the order
// of checks. What a server decides is tested against PostgreSQL in tests/integration.
#ifndef TYPEDAO_TEST_RECORDED_CONNECTION_HPP
#define TYPEDAO_TEST_RECORDED_CONNECTION_HPP

#include <typedao/core.hpp>

#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace typedao_test {

// A result as the server would send it: column type oids and binary values (nullopt: NULL).
struct recorded_rows {
  std::vector<typedao::oid_t> types;
  std::vector<std::vector<std::optional<std::string>>> rows;
  long long affected = 0;

  int row_count() const { return static_cast<int>(rows.size()); }
  int column_count() const { return static_cast<int>(types.size()); }
  typedao::oid_t column_type(int c) const { return types.at(static_cast<std::size_t>(c)); }
  bool is_null(int r, int c) const { return !cell(r, c); }
  const char* data(int r, int c) const { return cell(r, c) ? cell(r, c)->data() : ""; }
  int length(int r, int c) const { return cell(r, c) ? static_cast<int>(cell(r, c)->size()) : 0; }
  long long affected_rows() const { return affected; }

 private:
  const std::optional<std::string>& cell(int r, int c) const {
    return rows.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(c));
  }
};
static_assert(typedao::row_set<recorded_rows>);

// One execution as the connector saw it.
struct sent_statement {
  std::string text;
  std::vector<typedao::oid_t> types;
  std::vector<std::optional<std::string>> params;  // bytes as sent; nullopt: NULL
};

class recorded_connection {
 public:
  using rows_type = recorded_rows;

  void reply(recorded_rows r) { replies_.push_back(typedao::result<recorded_rows>(std::move(r))); }
  void reply(typedao::error e) { replies_.push_back(typedao::result<recorded_rows>(std::move(e))); }

  typedao::result<recorded_rows> execute(const typedao::statement& s,
                                         const typedao::param_view& p) {
    sent_statement out;
    out.text = std::string(s.text);
    for (int i = 0; i < p.count; ++i) {
      out.types.push_back(p.types[i]);
      if (p.formats[i] != 1)
        throw std::logic_error("recorded_connection: a parameter is not binary");
      if (p.values[i] == nullptr)
        out.params.emplace_back();
      else
        out.params.emplace_back(std::string(p.values[i], static_cast<std::size_t>(p.lengths[i])));
    }
    sent.push_back(std::move(out));
    if (replies_.empty())
      throw std::logic_error("recorded_connection: no recorded reply for " + std::string(s.text));
    auto r = std::move(replies_.front());
    replies_.pop_front();
    return r;
  }

  typedao::result<void> execute_script(std::string_view script) {
    scripts.emplace_back(script);
    return {};
  }

  std::vector<sent_statement> sent;
  std::vector<std::string> scripts;

 private:
  std::deque<typedao::result<recorded_rows>> replies_;
};
static_assert(typedao::connector<recorded_connection>);

// A server error as libpq reports it (the connector fills server; the DAO maps it).
inline typedao::error server_error(std::string sqlstate, std::string constraint = {},
                                   std::string table = {}, std::string column = {}) {
  typedao::error e;
  e.code = typedao::error_code::database_error;
  e.message = "ERROR: recorded";
  e.server.sqlstate = std::move(sqlstate);
  e.server.constraint = std::move(constraint);
  e.server.table = std::move(table);
  e.server.column = std::move(column);
  return e;
}

// The binary bytes of a value as its codec writes them.
template <class V>
std::string bytes_of(const V& v) {
  typedao::detail::param_set<1> ps;
  auto w = ps.writer(0);
  typedao::customize::codec<V>::encode(v, w);
  ps.finish();
  return std::string(ps.values()[0], static_cast<std::size_t>(ps.lengths()[0]));
}

}  // namespace typedao_test

#endif
