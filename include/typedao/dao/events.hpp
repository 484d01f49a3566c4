#ifndef TYPEDAO_DAO_EVENTS_HPP
#define TYPEDAO_DAO_EVENTS_HPP

// The DAO's side of change events (events.hpp): an event from a stored row or from a key, and
// the statement that carries it to other processes on the writing connection.

#include <typedao/dao/cascade.hpp>
#include <typedao/dao/entity_ops.hpp>
#include <typedao/dao/operation.hpp>
#include <typedao/entity.hpp>
#include <typedao/events.hpp>
#include <typedao/schema/values.hpp>
#include <typedao/sql/dml.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace typedao::detail {

struct notify_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("SELECT pg_notify($1, $2)");
  }
};
struct event_row_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("INSERT INTO \"typedao_events\" (\"channel\", \"payload\") VALUES ($1, $2)");
  }
};

// The statement that sends `payload` to other processes (event_transport notify or table).
inline auto publish_op(const events_options& o, const std::string& payload) {
  param_set<2> ps;
  ps.writer(0).append(o.channel.data(), o.channel.size());
  ps.writer(1).append(payload.data(), payload.size());
  const statement& st = o.transport == event_transport::table
                            ? statement_of<event_row_gen, oid_list<text_oid, text_oid>>()
                            : statement_of<notify_gen, oid_list<text_oid, text_oid>>();
  return make_operation<void>(st, ps, [](auto&& r) -> result<void> {
    if (!r) return std::move(r).error();
    return {};
  });
}

// The key values of an entity's key as text, in key order.
// (Any key type: as in error messages' fields; cache-key text for the types cache keys take.)
template <class V>
std::string key_part_text(const V& v) {
  if constexpr (is_foreign<V>::value)
    return key_part_text(v.key());
  else
    return plain_scalar(v);
}
template <class E>
std::vector<std::string> key_texts(const key_t<E>& k) {
  std::vector<std::string> out;
  if constexpr (is_tuple<key_t<E>>::value)
    std::apply([&](const auto&... v) { (out.push_back(key_part_text(v)), ...); }, k);
  else
    out.push_back(key_part_text(k));
  return out;
}

// An event from a key alone: the key-based cache key ("<table>:<pk values>:...:", as Kong's
// cache_key of a row without cache-key members).
template <class E>
change_event event_of_key(change op, const key_t<E>& k, std::string_view cascaded_from = {}) {
  change_event e;
  e.entity = std::string(model<E>::table);
  e.op = op;
  e.cascaded_from = std::string(cascaded_from);
  const auto parts = key_texts<E>(k);
  e.cache_key = e.entity;
  for (std::size_t i = 0; i < 5; ++i) {
    e.cache_key += ':';
    if (i < parts.size()) append_escaped(e.cache_key, parts[i]);
  }
  e.cache_key += ':';
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) e.key += ':';
    append_escaped(e.key, parts[i]);
  }
  return e;
}

// An event from a stored row: its key, and its own cache key.
template <class E>
change_event event_of_row(change op, const E& row) {
  change_event e = event_of_key<E>(op, key_of(row));
  using M = model<E>;
  if constexpr (M::cache_key_members.size() > 0) {
    // Kong's cache key of the row's cache-key members; the key-based one when all are empty
    // (what entity_ops::cache_key does).
    std::string values[5];
    bool all_empty = true;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((values[J] = text_of(row.*member_d<E, M::cache_key_members[J]>::pointer),
        all_empty = all_empty && values[J].empty()),
       ...);
    }(std::make_index_sequence<M::cache_key_members.size()>{});
    if (!all_empty) e.cache_key = join_cache_key(e.entity, values);
  }
  return e;
}

// Calls `f(event)` for each descendant a cascading delete of a T removed.
template <class T, class... Ds, class F>
void for_each_cascaded(const removed<Ds...>& r, F&& f) {
  (
      [&] {
        for (const auto& k : r.template of<Ds>())
          f(event_of_key<Ds>(change::deleted, k, model<T>::table));
      }(),
      ...);
}

}  // namespace typedao::detail

#endif
