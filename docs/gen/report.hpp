// Output protocol of the programs in docs/gen: named blocks that update.py copies into the pages.
//   <<<key>>>
//   text
//   <<<end>>>
#pragma once

#include <typedao/typedao.hpp>

#include <iostream>
#include <string>
#include <string_view>

namespace docgen {

inline void block(std::string_view key, std::string_view text) {
  std::cout << "<<<" << key << ">>>\n" << text;
  if (text.empty() || text.back() != '\n') std::cout << '\n';
  std::cout << "<<<end>>>\n";
}

// An error, field by field, as docs/errors.md shows it.
inline std::string describe(const typedao::error& e) {
  std::string out;
  out += "code()       " + std::to_string(static_cast<int>(e.code)) + " (" +
         std::string(e.constant()) + ")\n";
  out += "name()       " + std::string(e.name()) + "\n";
  out += "message      " + e.message + "\n";
  out += "to_string()  " + e.to_string() + "\n";
  for (std::size_t i = 0; i < e.fields.size(); ++i)
    out += "fields[" + std::to_string(i) + "]    field: " + e.fields[i].field +
           " | value: " + e.fields[i].value + "\n";
  if (!e.entity.empty()) out += "entity       " + e.entity + "\n";
  if (!e.server.sqlstate.empty()) {
    out += "server       sqlstate=" + e.server.sqlstate;
    if (!e.server.constraint.empty()) out += " constraint=" + e.server.constraint;
    if (!e.server.table.empty()) out += " table=" + e.server.table;
    if (!e.server.column.empty()) out += " column=" + e.server.column;
    out += "\n             message=" + e.server.message + "\n";
    if (!e.server.detail.empty()) out += "             detail=" + e.server.detail + "\n";
  }
  return out;
}

// Prints the call (as compiled) under <key>.call and its error under <key>.
template <class R>
void expect_error(std::string_view key, std::string_view call, const R& r) {
  block(std::string(key) + ".call", std::string(call) + ";");
  block(key, r ? std::string("UNEXPECTED SUCCESS\n") : describe(r.error()));
}

}  // namespace docgen

// ERR("key", expression): runs the expression and reports the error it returns.
#define ERR(key, ...) ::docgen::expect_error(key, #__VA_ARGS__, __VA_ARGS__)
