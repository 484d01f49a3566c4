// A connector that records every statement and script it runs, around a pg::connection: it shows
// the exact SQL sequence of a DAO call (docs/rules.md). Also a small example of the connector
// concept.
#pragma once

#include <typedao/typedao.hpp>

#include <string>
#include <vector>

struct logging_connection {
  using rows_type = typedao::pg::rows;

  typedao::pg::connection* inner;
  std::vector<std::string> log;

  typedao::result<rows_type> execute(const typedao::statement& s, const typedao::param_view& p) {
    log.emplace_back(s.text);
    return inner->execute(s, p);
  }
  typedao::result<void> execute_script(std::string_view sql) {
    log.emplace_back(sql);
    return inner->execute_script(sql);
  }
  bool in_transaction() const { return inner->in_transaction(); }

  std::string take_log() {
    std::string out;
    for (auto& l : log) out += l + (l.empty() || l.back() != ';' ? ";\n" : "\n");
    log.clear();
    return out;
  }
};
static_assert(typedao::connector<logging_connection>);
