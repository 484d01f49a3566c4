#ifndef TYPEDAO_DAO_ERRORS_HPP
#define TYPEDAO_DAO_ERRORS_HPP

// Every error the DAO returns, built in one place: Kong's codes and messages for a failed check
// (invalid key, invalid size, invalid offset...), for a result that is not what the statement must
// return, and for a server error (error_table_v<T>: the entity's constraint names and members as
// plain constant data, so one non-template function maps the errors of every entity and call).

#include <typedao/connector.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/schema/validate.hpp>
#include <typedao/schema/values.hpp>
#include <typedao/sql.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao::detail {

// ---- server errors --------------------------------------------------------------------------

// What map_server_error needs to know about an entity.
struct error_table {
  std::string_view table;
  const std::string_view* member_names;
  const std::size_t* pk_members;
  std::size_t pk_count;
  std::string_view pk_constraint;
  const std::size_t* cache_members;  // the composite cache key's members (cache_count of them)
  std::size_t cache_count;
  std::string_view cache_constraint;           // empty: no cache key column
  const std::string_view* unique_constraints;  // per member; empty: not unique
  const std::string_view* fk_constraints;      // per member; empty: not a foreign<> member
  const std::string_view* fk_parents;          // per member: the parent's table
  std::size_t member_count;
};

// Shows member i as the caller passed it (rendered for the message, plain for the fields):
// fn(ctx, i); fn may be null (nothing to show: the value is empty).
struct value_renderer {
  shown_value (*fn)(const void*, std::size_t) = nullptr;
  const void* ctx = nullptr;
  shown_value operator()(std::size_t i) const { return fn ? fn(ctx, i) : shown_value{}; }
};

// A renderer that calls f(i) (a shown_value); f must outlive it.
template <class F>
value_renderer render_with(const F& f) noexcept {
  return {
      [](const void* c, std::size_t i) -> shown_value { return (*static_cast<const F*>(c))(i); },
      &f};
}

// Appends member `name`'s plain parts to fields.
inline void add_plain(std::vector<field_detail>& fields, std::string_view name, shown_value& v) {
  if (v.plain.empty()) fields.push_back({std::string(name), std::string()});
  for (auto& p : v.plain) fields.push_back({std::string(name) + p.field, std::move(p.value)});
}

template <class T>
struct error_table_of {
  using M = model<T>;
  static constexpr std::size_t N = M::member_count;

  static constexpr std::array<std::string_view, N> unique =
      []<std::size_t... I>(std::index_sequence<I...>) {
        std::array<std::string_view, N> out{};
        (
            [&] {
              if constexpr (M::unique[I]) out[I] = constraint_name_v<T, I, 'u'>;
            }(),
            ...);
        return out;
      }(std::make_index_sequence<N>{});

  static constexpr std::array<std::string_view, N> fk =
      []<std::size_t... I>(std::index_sequence<I...>) {
        std::array<std::string_view, N> out{};
        (
            [&] {
              if constexpr (member_is_foreign<T, I>) out[I] = constraint_name_v<T, I, 'f'>;
            }(),
            ...);
        return out;
      }(std::make_index_sequence<N>{});

  static constexpr std::array<std::string_view, N> parents =
      []<std::size_t... I>(std::index_sequence<I...>) {
        std::array<std::string_view, N> out{};
        (
            [&] {
              if constexpr (member_is_foreign<T, I>)
                out[I] = model<typename is_foreign<value_type_t<T, I>>::parent>::table;
            }(),
            ...);
        return out;
      }(std::make_index_sequence<N>{});

  static constexpr std::string_view cache_constraint = [] {
    if constexpr (M::has_cache_key_column)
      return text_v<hidden_name_gen<T, 'c'>>.view();
    else
      return std::string_view{};
  }();

  static constexpr error_table value{
      M::table,
      M::member_names.data(),
      M::pk_member_indices.data(),
      M::pk_member_indices.size(),
      constraint_name_v<T, 0, 'p'>,
      M::cache_key_members.data(),
      M::cache_key_members.size(),
      cache_constraint,
      unique.data(),
      fk.data(),
      parents.data(),
      N,
  };
};

template <class T>
inline constexpr const error_table& error_table_v = error_table_of<T>::value;

inline error with_server(error mapped, error&& from) {
  mapped.server = std::move(from.server);
  return mapped;
}

// SQLSTATE + constraint name -> Kong's error; values in the messages come from value_of.
TYPEDAO_COLD inline error map_server_error(error e, const error_table& t, value_renderer value_of) {
  const std::string& st = e.server.sqlstate;
  const std::string& cn = e.server.constraint;
  auto key_error = [&](error_code code, const char* prefix, const std::size_t* members,
                       std::size_t n) {
    std::vector<field_detail> shown, fields;
    shown.reserve(n);
    for (std::size_t j = 0; j < n; ++j) {
      auto v = value_of(members[j]);
      shown.push_back({std::string(t.member_names[members[j]]), std::move(v.text)});
      add_plain(fields, t.member_names[members[j]], v);
    }
    std::string msg = prefix + render_table(std::move(shown)) + "'";
    return with_server(make_error(code, std::move(msg), std::move(fields)), std::move(e));
  };
  if (st == "23505") {  // unique_violation
    if (cn == t.pk_constraint)
      return key_error(error_code::primary_key_violation, "primary key violation on key '",
                       t.pk_members, t.pk_count);
    if (!t.cache_constraint.empty() && cn == t.cache_constraint)
      return key_error(error_code::unique_violation, "UNIQUE violation detected on '",
                       t.cache_members, t.cache_count);
    for (std::size_t i = 0; i < t.member_count; ++i)
      if (!t.unique_constraints[i].empty() && cn == t.unique_constraints[i])
        return key_error(error_code::unique_violation, "UNIQUE violation detected on '", &i, 1);
  } else if (st == "23503") {  // foreign_key_violation
    if (e.server.table == t.table) {
      for (std::size_t i = 0; i < t.member_count; ++i) {
        if (t.fk_constraints[i].empty() || cn != t.fk_constraints[i]) continue;
        auto v = value_of(i);
        std::vector<field_detail> fields;
        add_plain(fields, t.member_names[i], v);
        auto err = make_error(error_code::foreign_key_violation,
                              "the foreign key '" + v.text + "' does not reference an existing '" +
                                  std::string(t.fk_parents[i]) + "' entity.",
                              std::move(fields));
        err.entity = std::string(t.fk_parents[i]);
        return with_server(std::move(err), std::move(e));
      }
      // A constraint typedao did not create (added by hand).
      auto err = make_error(error_code::foreign_key_violation,
                            "foreign key violation on constraint '" + e.server.constraint + "'");
      return with_server(std::move(err), std::move(e));
    }
    std::string child = e.server.table;
    auto err = make_error(
        error_code::foreign_key_violation,
        "an existing '" + child + "' entity references this '" + std::string(t.table) + "' entity",
        {{"@referenced_by", child}});
    err.entity = child;
    return with_server(std::move(err), std::move(e));
  } else if (st == "23502") {  // not_null_violation
    return with_server(schema_violation({{e.server.column, "required field missing"}}),
                       std::move(e));
  }
  return e;
}

// ---- checks that failed before anything was sent ----------------------------------------------

// One SCHEMA_VIOLATION for an entity's problems, in the report's order.
template <class T>
error schema_violation_of(std::vector<field_detail> errs) {
  order_problems<T>(errs);
  return schema_violation_in_order(std::move(errs));
}

TYPEDAO_COLD inline error invalid_primary_key(std::vector<field_detail> errs) {
  std::string msg = "invalid primary key: '" + render_table(errs) + "'";
  // render_table quotes nothing: Kong prints the messages as strings.
  std::vector<field_detail> quoted = errs;
  for (auto& q : quoted) q.value = "\"" + q.value + "\"";
  msg = "invalid primary key: '" + render_table(std::move(quoted)) + "'";
  return make_error(error_code::invalid_primary_key, std::move(msg), std::move(errs));
}

// INVALID_FOREIGN_KEY for a parent key that cannot be sent.
TYPEDAO_COLD inline error invalid_foreign_key(std::vector<field_detail> errs) {
  std::vector<field_detail> quoted = errs;
  for (auto& q : quoted) q.value = "\"" + q.value + "\"";
  return make_error(error_code::invalid_foreign_key,
                    "invalid foreign key: '" + render_table(std::move(quoted)) + "'",
                    std::move(errs));
}

// INVALID_UNIQUE for a unique member's value that cannot be sent.
TYPEDAO_COLD inline error invalid_unique(std::string_view member, std::vector<field_detail> errs) {
  std::string msg = "invalid unique " + std::string(member) + ": " + errs.front().value;
  return make_error(error_code::invalid_unique, std::move(msg), std::move(errs));
}

// NOT_FOUND for a primary key.
template <class T>
TYPEDAO_COLD error not_found_by_key(const key_t<T>& k) {
  std::string msg =
      "could not find the entity with primary key '" + render_table(key_fields<T>(k)) + "'";
  return make_error(error_code::not_found, std::move(msg), key_plain_fields<T>(k));
}

// NOT_FOUND for a unique member's value (update_by).
TYPEDAO_COLD inline error not_found_by_member(std::string_view member, shown_value shown) {
  std::vector<field_detail> fields;
  add_plain(fields, member, shown);
  return make_error(
      error_code::not_found,
      "could not find the entity with '" + render_table({{std::string(member), shown.text}}) + "'",
      std::move(fields));
}

// ---- results that are not what the statement returns ----------------------------------------

// Why the result does not have the entity's shape (DATABASE_ERROR). One plain function for every
// entity: only the loop that finds the column is per entity.
TYPEDAO_COLD inline error shape_error_of(std::size_t want_count, int got_count,
                                         const column_info* col, oid_t got_oid) {
  if (got_count != static_cast<int>(want_count))
    return make_error(error_code::database_error, "unexpected result shape: expected " +
                                                      std::to_string(want_count) +
                                                      " columns, got " + std::to_string(got_count));
  if (col)
    return make_error(error_code::database_error,
                      "column '" + std::string(col->name) + "' has type oid " +
                          std::to_string(got_oid) + ", expected " + std::to_string(col->oid) +
                          " (" + std::string(col->sql_type) + "); migrate the table");
  return make_error(error_code::database_error, "unexpected result shape");
}

template <class T, row_set R>
error shape_error(const R& rows) {
  using MT = model<T>;
  const int got = rows.column_count();
  if (got == static_cast<int>(MT::column_count))
    for (std::size_t c = 0; c < MT::column_count; ++c)
      if (rows.column_type(static_cast<int>(c)) != MT::columns[c].oid)
        return shape_error_of(MT::column_count, got, &MT::columns[c],
                              rows.column_type(static_cast<int>(c)));
  return shape_error_of(MT::column_count, got, nullptr, 0);
}

// A write that returned no row although it always should (INSERT ... RETURNING): a rule or a
// trigger on the table skipped it.
TYPEDAO_COLD inline error no_row_error(std::string_view statement) {
  return make_error(
      error_code::database_error,
      std::string(statement) + " returned no row (a rule or trigger on the table skipped it)");
}

// The DATABASE_ERROR for a failed decode_row_into.
TYPEDAO_COLD inline error decode_error_of(std::string_view column, std::string_view table,
                                          const char* err) {
  return make_error(error_code::database_error, "could not decode column '" + std::string(column) +
                                                    "' of '" + std::string(table) + "': " + err);
}

template <class T>
error decode_error(std::size_t bad_member, const char* err) {
  using MT = model<T>;
  return decode_error_of(MT::columns[MT::member_first_column[bad_member]].name, MT::table, err);
}

}  // namespace typedao::detail

#endif
