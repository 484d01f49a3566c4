#ifndef TYPEDAO_DAO_ENTITY_OPS_HPP
#define TYPEDAO_DAO_ENTITY_OPS_HPP

// What every operation of one entity shares (dao/ops.hpp builds on it): the checks of values
// before sending, the encoding of an entity's members into parameters, Kong's cache key, and
// the rendering of the caller's values in server errors.

#include <typedao/dao/changes.hpp>
#include <typedao/dao/errors.hpp>
#include <typedao/dao/options.hpp>
#include <typedao/dao/rows.hpp>
#include <typedao/entity.hpp>
#include <typedao/options.hpp>
#include <typedao/schema/validate.hpp>
#include <typedao/schema/values.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao::detail {

// '%' and ':' in a cache-key value escaped as %25 and %3A (as the hidden column's SQL does:
// values cannot run into each other).
inline void append_escaped(std::string& out, std::string_view v) {
  for (char ch : v) {
    if (ch == '%')
      out += "%25";
    else if (ch == ':')
      out += "%3A";
    else
      out += ch;
  }
}

// "<table>:<v1>:...:<v5>:".
inline std::string join_cache_key(std::string_view table, const std::string (&values)[5]) {
  std::string out(table);
  for (const auto& v : values) {
    out += ':';
    append_escaped(out, v);
  }
  out += ':';
  return out;
}

template <class T>
struct entity_ops {
  using M = model<T>;
  using key_type = key_t<T>;

  // ---- cache keys ---------------------------------------------------------------------------

  // Kong's cache key: "<table>:<v1>:...:<v5>:" (foreign members by their key, missing values
  // empty, the primary key when every value is empty; '%' and ':' in values escaped as %25, %3A).
  static std::string cache_key(const T& e) {
    std::string values[5];
    bool all_empty = true;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((values[J] = text_of(e.*member_d<T, M::cache_key_members[J]>::pointer),
        all_empty = all_empty && values[J].empty()),
       ...);
    }(std::make_index_sequence<M::cache_key_members.size()>{});
    if (all_empty) {
      for (auto& v : values) v.clear();
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        ((values[J] = text_of(e.*member_d<T, M::pk_member_indices[J]>::pointer)), ...);
      }(std::make_index_sequence<(M::pk_member_indices.size() < 5 ? M::pk_member_indices.size()
                                                                  : 5)>{});
    }
    return join_cache_key(M::table, values);
  }

  // ---- checks -------------------------------------------------------------------------------

  template <auto Fk>
  static constexpr std::size_t foreign_member_index() {
    constexpr std::size_t F = checked_member_index<T, Fk>();
    static_assert(member_is_foreign<T, F>,
                  "typedao::dao::page_for: the member is not a foreign<> member. Name a "
                  "typedao::foreign<Parent> member.");
    return F;
  }

  template <std::size_t F, class V>
  static std::optional<error> foreign_problems(const V& parent) {
    std::vector<field_detail> errs;
    check_value(
        parent, [] { return std::string(M::member_names[F]); }, errs);
    if (errs.empty()) return std::nullopt;
    return invalid_foreign_key(std::move(errs));
  }

  template <std::size_t U, class V>
  static std::optional<error> by_value_problem(const V& v) {
    std::vector<field_detail> errs;
    check_value(
        v, [] { return std::string(M::member_names[U]); }, errs);
    if (errs.empty()) return std::nullopt;
    return invalid_unique(M::member_names[U], std::move(errs));
  }

  static std::optional<error> write_option_problems(const write_options& o) {
    if (!o.ttl) return std::nullopt;
    option_errors oe;
    check_ttl(o.ttl, M::has_ttl, M::table, oe);
    if (oe.empty()) return std::nullopt;
    return std::move(oe).error();
  }

  // Problems with an entity's values, in member order. Key members may be nil on insert
  // (generated).
  static std::vector<field_detail> entity_problems(const T& e, bool skip_key = false,
                                                   std::size_t skip_member = npos) {
    std::vector<field_detail> errs;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            if (I == skip_member) return;
            if (skip_key && contains_index(M::pk_member_indices, I)) return;
            const std::size_t before = errs.size();
            check_value(
                e.*member_d<T, I>::pointer, [] { return std::string(M::member_names[I]); }, errs);
            if (errs.size() == before)
              validate_member_value<T, I>(e.*member_d<T, I>::pointer, errs);
          }(),
          ...);
    }(std::make_index_sequence<M::member_count>{});
    if constexpr (has_entity_rules<T>()) validate_entity(e, errs, member_failed(errs));
    return errs;
  }

  // The rules of the key members, applied to a key the caller gives for writing (Kong validates
  // such keys with the fields' validators and reports INVALID_PRIMARY_KEY).
  static std::vector<field_detail> key_rule_problems(const key_type& k) {
    std::vector<field_detail> errs;
    if constexpr (has_rules<T>()) {
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        (validate_member_value<T, M::pk_member_indices[J]>(
             key_part<std::integral_constant<std::size_t, M::pk_member_indices[J]>>(k), errs),
         ...);
      }(std::make_index_sequence<M::pk_member_indices.size()>{});
    }
    return errs;
  }

  // Whether a member already has an error (Kong skips entity checks over invalid fields).
  static auto member_failed(const std::vector<field_detail>& errs) {
    return [&errs](std::size_t m) {
      const std::string_view name = M::member_names[m];
      for (auto& x : errs) {
        std::string_view f = x.field;
        if (f == name ||
            (f.size() > name.size() && f.substr(0, name.size()) == name && f[name.size()] == '.'))
          return true;
      }
      return false;
    };
  }

  // ---- encoding -----------------------------------------------------------------------------

  template <class I>
  static constexpr bool contains_pk() {
    return contains_index(M::pk_member_indices, I::value);
  }

  // The part of key k that belongs to pk member I.
  template <class I>
  static const auto& key_part(const key_type& k) {
    if constexpr (M::pk_member_indices.size() == 1) {
      return k;
    } else {
      constexpr std::size_t pos = [] {
        for (std::size_t j = 0; j < M::pk_member_indices.size(); ++j)
          if (M::pk_member_indices[j] == I::value) return j;
        return std::size_t{0};
      }();
      return std::get<pos>(k);
    }
  }

  template <class I, class Emit>
  static bool emit_with_generated_key(const T& e, uuid* generated, Emit& emit) {
    if constexpr (contains_pk<I>() && std::is_same_v<member_type_t<T, I::value>, uuid>) {
      const uuid& v = e.*member_d<T, I::value>::pointer;
      if (v.is_nil()) {
        constexpr std::size_t slot = [] {
          for (std::size_t j = 0; j < M::pk_member_indices.size(); ++j)
            if (M::pk_member_indices[j] == I::value) return j;
          return std::size_t{0};
        }();
        uuid& g = generated[slot];
        g = generate_uuid();
        emit(g);  // the codec copies the 16 bytes: the operation does not point at `generated`
        return true;
      }
    }
    return false;
  }

  // Encodes the insert/upsert parameters: every member in order, skipping updated_at; created_at
  // at its zero value is sent as NULL (the statement uses now()). `override(I, emit)` may emit
  // another value for member I and return true.
  template <std::size_t N, class Override>
  static std::size_t encode_entity(const T& e, param_set<N>& ps, Override&& override) {
    std::size_t k = 0;
    auto emit = [&](const auto& v) { encode_value(v, ps, k); };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            constexpr auto& col = M::columns[M::member_first_column[I]];
            if constexpr (col.role == column_role::updated_at) {
              return;
            } else {
              if (override(std::integral_constant<std::size_t, I>{}, emit)) return;
              const auto& v = e.*member_d<T, I>::pointer;
              if constexpr (col.role == column_role::created_at) {
                if (v == timestamp{}) {
                  ps.writer(k++).set_null();
                  return;
                }
              }
              emit(v);
            }
          }(),
          ...);
    }(std::make_index_sequence<M::member_count>{});
    return k;
  }

  template <std::size_t N>
  static void encode_ttl(param_set<N>& ps, std::size_t k, const write_options& o) {
    if constexpr (M::has_ttl) {
      auto w = ps.writer(k);
      if (o.ttl)
        w.append_be(static_cast<std::int64_t>(*o.ttl));
      else
        w.set_null();
    } else {
      (void)ps;
      (void)k;
      (void)o;
    }
  }

  template <class... A>
  static write_options write_options_of(const A&... args) {
    write_options opt;
    (
        [&] {
          if constexpr (is_write_options<A>::value) opt = args;
        }(),
        ...);
    return opt;
  }

  TYPEDAO_COLD static shown_value render_member(const T& e, std::size_t i) {
    shown_value out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((i == I ? (void)(out = show(e.*member_d<T, I>::pointer)) : (void)0), ...);
    }(std::make_index_sequence<M::member_count>{});
    return out;
  }
  TYPEDAO_COLD static shown_value render_key_member(const key_type& k, std::size_t i) {
    shown_value out;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((i == M::pk_member_indices[J]
            ? (void)(out = show(
                         key_part<std::integral_constant<std::size_t, M::pk_member_indices[J]>>(k)))
            : (void)0),
       ...);
    }(std::make_index_sequence<M::pk_member_indices.size()>{});
    return out;
  }

  static error not_found_error_for(const key_type& k) { return not_found_by_key<T>(k); }

  // SQLSTATE + constraint name -> Kong's error. `value_of(member)` renders what the caller passed.
  template <class ValueOf>
  static error map_error(error e, const ValueOf& value_of) {
    return map_server_error(std::move(e), error_table_v<T>, render_with(value_of));
  }
  static error map_error(error e) { return map_server_error(std::move(e), error_table_v<T>, {}); }
};

}  // namespace typedao::detail

#endif
