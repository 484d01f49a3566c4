#ifndef TYPEDAO_DAO_OPS_HPP
#define TYPEDAO_DAO_OPS_HPP

// Every DAO call of one entity as an operation value (dao/operation.hpp), built without I/O:
// the checks Kong makes before sending (in Kong's order), the parameters, the statement, and
// the mapping of the rows or the server's error. dao<T, C> only runs what these build.
//
// Each builder returns result<operation<...>>: the error of a failed check (nothing is sent), or
// the operation. The operation borrows the builder's arguments.

#include <typedao/dao/changes.hpp>
#include <typedao/dao/entity_ops.hpp>
#include <typedao/dao/errors.hpp>
#include <typedao/dao/offset_token.hpp>
#include <typedao/dao/operation.hpp>
#include <typedao/dao/options.hpp>
#include <typedao/dao/rows.hpp>
#include <typedao/entity.hpp>
#include <typedao/options.hpp>
#include <typedao/schema/validate.hpp>
#include <typedao/sql.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {

/// One page of rows and the offset of the next page (none on the last page).
template <class T>
struct page {
  std::vector<T> rows;
  std::optional<std::string> offset;
};

namespace detail {

template <class T, class Registry>
struct ops : entity_ops<T> {
  using base = entity_ops<T>;
  using M = model<T>;
  using key_type = key_t<T>;
  using base::by_value_problem;
  using base::cache_key;
  using base::contains_pk;
  using base::emit_with_generated_key;
  using base::encode_entity;
  using base::encode_ttl;
  using base::entity_problems;
  using base::foreign_member_index;
  using base::foreign_problems;
  using base::key_part;
  using base::key_rule_problems;
  using base::map_error;
  using base::member_failed;
  using base::not_found_error_for;
  using base::render_key_member;
  using base::render_member;
  using base::write_option_problems;
  using base::write_options_of;
  using removed_type = typename descendants<T, Registry>::removed_type;

  template <class Op>
  using checked = result<Op>;

  // Where page() decodes its rows: a page<T> it returns ...
  struct page_sink {
    using value_type = typedao::page<T>;
  };
  // ... or a vector of result<T> owned by the caller (each()), the next offset returned.
  struct each_sink {
    using value_type = std::optional<std::string>;
    std::vector<result<T>>* rows;
  };

  template <std::size_t F, tags_filter Tags, bool After>
  static const statement& page_statement() {
    return statement_of<page_gen<T, F, Tags, After>, page_param_types<T, F, Tags, After>>();
  }

  // ---- the calls ------------------------------------------------------------------------------

  // INSERT ... RETURNING: the stored entity (generated uuid key, timestamps, defaults).
  static auto insert(const T& e, const write_options& o) {
    auto fin = [&e](auto&& r) -> result<T> {
      if (!r)
        return map_error(std::move(r).error(), [&](std::size_t i) { return render_member(e, i); });
      return one_row<T>(*r, [] { return no_row_error("INSERT"); });
    };
    constexpr std::size_t N = insert_param_count<T>;
    using Op = operation<T, N, decltype(fin)>;
    if (auto oe = write_option_problems(o)) return checked<Op>(std::move(*oe));
    if (auto errs = entity_problems(e); !errs.empty())
      return checked<Op>(schema_violation_of<T>(std::move(errs)));
    param_set<N> ps;
    uuid generated[M::pk_columns.size() ? M::pk_columns.size() : 1];
    std::size_t k = encode_entity(e, ps, [&](auto I, auto& emit) {
      return base::template emit_with_generated_key<decltype(I)>(e, generated, emit);
    });
    encode_ttl(ps, k, o);
    auto& st = statement_of<insert_gen<T>, insert_param_types<T>>();
    return checked<Op>(make_operation<T>(st, ps, std::move(fin)));
  }

  // SELECT by the key columns KeyCols (the primary key or one unique member) with value kv.
  template <class KeyCols, class KeyV>
  static auto select_by_cols(const KeyV& kv, bool skip_ttl) {
    auto fin = [](auto&& r) -> result<std::optional<T>> {
      if (!r) return map_error(std::move(r).error());
      return optional_row<T>(*r);
    };
    using Types = key_param_types<T, KeyCols>;
    param_set<Types::value.size()> ps;
    std::size_t p = 0;
    encode_value(kv, ps, p);
    const statement* st = nullptr;
    if constexpr (std::is_same_v<KeyCols, pk_cols<T>>)
      st = M::has_ttl && skip_ttl ? &statement_of<select_gen<T, true>, Types>()
                                  : &statement_of<select_gen<T>, Types>();
    else
      st = M::has_ttl && skip_ttl ? &statement_of<select_by_gen<T, KeyCols::member, true>, Types>()
                                  : &statement_of<select_by_gen<T, KeyCols::member>, Types>();
    return make_operation<std::optional<T>>(*st, ps, std::move(fin));
  }

  static auto select(const key_type& k, const read_options& o) {
    using Op = decltype(select_by_cols<pk_cols<T>>(k, false));
    if (auto errs = key_problems<T>(k); !errs.empty())
      return checked<Op>(invalid_primary_key(std::move(errs)));
    return checked<Op>(select_by_cols<pk_cols<T>>(k, o.skip_ttl));
  }

  template <std::size_t U, class V>
  static auto select_by(const V& v, const read_options& o) {
    using Op = decltype(select_by_cols<member_cols<T, U>>(v, false));
    if (auto e = base::template by_value_problem<U>(v)) return checked<Op>(std::move(*e));
    return checked<Op>(select_by_cols<member_cols<T, U>>(v, o.skip_ttl));
  }

  // The row an update is about to change, locked until the transaction ends.
  template <class KeyCols, class KeyV>
  static auto select_locked(const KeyV& kv) {
    auto fin = [](auto&& r) -> result<std::optional<T>> {
      if (!r) return std::move(r).error();
      return optional_row<T>(*r);
    };
    using Types = key_param_types<T, KeyCols>;
    param_set<Types::value.size()> ps;
    std::size_t p = 0;
    encode_value(kv, ps, p);
    return make_operation<std::optional<T>>(
        statement_of<select_for_update_gen<T, KeyCols>, Types>(), ps, std::move(fin));
  }

  // Full replacement (PUT): INSERT ... ON CONFLICT (key) DO UPDATE. The key wins over the
  // entity's key members.
  static auto upsert(const key_type& k, const T& e, const write_options& o) {
    auto fin = [&k, &e](auto&& r) -> result<T> {
      if (!r)
        return map_error(std::move(r).error(), [&](std::size_t i) -> shown_value {
          if (contains_index(M::pk_member_indices, i)) return render_key_member(k, i);
          return render_member(e, i);
        });
      return one_row<T>(*r, [&] { return not_found_error_for(k); });
    };
    constexpr std::size_t N = insert_param_count<T>;
    using Op = operation<T, N, decltype(fin)>;
    if (auto errs = key_problems<T>(k); !errs.empty())
      return checked<Op>(invalid_primary_key(std::move(errs)));
    if (auto errs = key_rule_problems(k); !errs.empty())
      return checked<Op>(invalid_primary_key(std::move(errs)));
    if (auto oe = write_option_problems(o)) return checked<Op>(std::move(*oe));
    if (auto errs = entity_problems(e, true); !errs.empty())
      return checked<Op>(schema_violation_of<T>(std::move(errs)));
    param_set<N> ps;
    std::size_t pk = encode_entity(e, ps, [&](auto I, auto& emit) {
      if constexpr (base::template contains_pk<decltype(I)>()) {
        emit(base::template key_part<decltype(I)>(k));
        return true;
      } else {
        return false;
      }
    });
    encode_ttl(ps, pk, o);
    auto& st = statement_of<upsert_gen<T, pk_cols<T>>, insert_param_types<T>>();
    return checked<Op>(make_operation<T>(st, ps, std::move(fin)));
  }

  // Upsert by a unique member: the row with that value is replaced (keeping its key), or a new
  // row is inserted (with a generated uuid key when the entity's is nil).
  template <std::size_t U, class V>
  static auto upsert_by(const V& v, const T& e, const write_options& o) {
    auto fin = [&v, &e](auto&& r) -> result<T> {
      if (!r)
        return map_error(std::move(r).error(), [&](std::size_t i) -> shown_value {
          if (i == U) return show(v);
          return render_member(e, i);
        });
      return one_row<T>(
          *r, [] { return make_error(error_code::not_found, "could not find the entity"); });
    };
    constexpr std::size_t N = insert_param_count<T>;
    using Op = operation<T, N, decltype(fin)>;
    if (auto err = base::template by_value_problem<U>(v)) return checked<Op>(std::move(*err));
    if (auto oe = write_option_problems(o)) return checked<Op>(std::move(*oe));
    std::vector<field_detail> errs;
    if constexpr (has_rules<T>()) {
      // The row gets v as its unique member: the rules judge the entity as written.
      T written = e;
      written.*member_d<T, U>::pointer = v;
      errs = entity_problems(written);
    } else {
      errs = entity_problems(e, false, U);
    }
    if (!errs.empty()) return checked<Op>(schema_violation_of<T>(std::move(errs)));
    param_set<N> ps;
    uuid generated[M::pk_columns.size() ? M::pk_columns.size() : 1];
    std::size_t pk = encode_entity(e, ps, [&](auto I, auto& emit) {
      if constexpr (decltype(I)::value == U) {
        emit(v);
        return true;
      } else {
        return base::template emit_with_generated_key<decltype(I)>(e, generated, emit);
      }
    });
    encode_ttl(ps, pk, o);
    auto& st = statement_of<upsert_gen<T, member_cols<T, U>>, insert_param_types<T>>();
    return checked<Op>(make_operation<T>(st, ps, std::move(fin)));
  }

  // The checks of update / update_by's changes (Kong's order: options, then each value).
  template <class... A>
  static std::optional<error> update_problems(const A&... args) {
    if (auto oe = write_option_problems(write_options_of(args...))) return oe;
    std::vector<field_detail> errs;
    (
        [&] {
          if constexpr (is_set<A>::value) {
            constexpr std::size_t I = index_of_member<T>(A::member);
            const std::size_t before = errs.size();
            check_value(
                args.value, [] { return std::string(M::member_names[I]); }, errs);
            if (errs.size() == before) validate_member_value<T, I>(args.value, errs);
          }
        }(),
        ...);
    if (!errs.empty()) return schema_violation_of<T>(std::move(errs));
    return std::nullopt;
  }

  // The checks that need the stored row (read FOR UPDATE): an immutable member that has a value
  // may not change, and the entity rules judge the merged row.
  template <class... A>
  static std::optional<error> stored_row_problems(const T& stored, const A&... args) {
    std::vector<field_detail> errs;
    T merged = stored;
    (
        [&] {
          if constexpr (is_set<A>::value) {
            constexpr std::size_t I = index_of_member<T>(A::member);
            if constexpr (immutable_members<T>()[I]) {
              const auto& old = stored.*A::member;
              if (value_present(old) && !(old == args.value))
                errs.push_back(
                    {std::string(M::member_names[I]), "immutable field cannot be updated"});
            }
            merged.*A::member = args.value;
          }
        }(),
        ...);
    if constexpr (has_entity_rules<T>())
      validate_entity(merged, errs, member_failed(errs), /*updating=*/true);
    if (!errs.empty()) return schema_violation_of<T>(std::move(errs));
    return std::nullopt;
  }

  // Whether an update of members Is... must read the stored row first (immutable members and
  // entity rules judge the merged row).
  template <std::size_t... Is>
  static constexpr bool update_needs_current() {
    constexpr auto immutable = immutable_members<T>();
    constexpr auto in_entity_rules = entity_rule_members<T>();
    return ((immutable[Is] || in_entity_rules[Is]) || ...);
  }

  // UPDATE ... SET <members Is...> WHERE <KeyCols> = kv RETURNING; the server's errors render
  // the changed members from args and the others through `other(i)`.
  template <class KeyCols, std::size_t... Is, class KeyV, class NotFound, class Other, class... A>
  static auto update(const KeyV& kv, NotFound& not_found, Other& other, const A&... args) {
    auto fin = [&not_found, &other,
                changes = std::tuple<const A&...>(args...)](auto&& r) -> result<T> {
      if (!r)
        return map_error(std::move(r).error(), [&](std::size_t i) {
          shown_value out;
          bool given = false;
          std::apply(
              [&](const auto&... a) {
                (
                    [&](const auto& x) {
                      using X = std::remove_cvref_t<decltype(x)>;
                      if constexpr (is_set<X>::value)
                        if (i == index_of_member<T>(X::member)) {
                          out = show(x.value);
                          given = true;
                        }
                    }(a),
                    ...);
              },
              changes);
          if (!given) out = other(i);
          return out;
        });
      return one_row<T>(*r, not_found);
    };
    using Types = update_param_types<T, KeyCols, Is...>;
    param_set<Types::value.size()> ps;
    std::size_t p = 0;
    encode_value(kv, ps, p);
    (
        [&] {
          if constexpr (is_set<A>::value) encode_value(args.value, ps, p);
        }(),
        ...);
    encode_ttl(ps, p, write_options_of(args...));
    return make_operation<T>(statement_of<update_gen<T, KeyCols, Is...>, Types>(), ps,
                             std::move(fin));
  }

  // DELETE by KeyCols = kv, in one statement that also reports the cascaded descendants.
  template <class KeyCols, class KeyV>
  static auto remove(const KeyV& kv, bool skip_ttl) {
    using Types = key_param_types<T, KeyCols>;
    using D = descendants<T, Registry>;
    param_set<Types::value.size()> ps;
    std::size_t p = 0;
    encode_value(kv, ps, p);
    auto fin = [](auto&& r) -> result<removed_type> {
      if (!r) return map_error(std::move(r).error());
      if constexpr (D::count == 0)
        return removed_type{};
      else
        return cascade_report(*r);
    };
    const statement* st = nullptr;
    if constexpr (D::count == 0)
      st = skip_ttl ? &statement_of<delete_gen<T, KeyCols, true>, Types>()
                    : &statement_of<delete_gen<T, KeyCols>, Types>();
    else
      st =
          skip_ttl
              ? &statement_of<typename cascade_statement<T, KeyCols, true, Registry>::type, Types>()
              : &statement_of<typename cascade_statement<T, KeyCols, false, Registry>::type,
                              Types>();
    return make_operation<removed_type>(*st, ps, std::move(fin));
  }

  // SELECT count(*) [WHERE <foreign member F> = parent].
  template <std::size_t F, class V>
  static auto count(const V* parent) {
    auto fin = [](auto&& r) -> result<std::int64_t> {
      if (!r) return std::move(r).error();
      auto v = scalar_int8(*r, "count");
      if (!v) return std::move(v).error();
      if (!*v) return make_error(error_code::database_error, "count returned no row");
      return **v;
    };
    if constexpr (F == npos) {
      (void)parent;
      param_set<0> ps;
      return make_operation<std::int64_t>(statement_of<count_gen<T, npos>, oid_list<>>(), ps,
                                          std::move(fin));
    } else {
      using Types = key_param_types<T, member_cols<T, F>>;
      param_set<Types::value.size()> ps;
      std::size_t p = 0;
      encode_value(*parent, ps, p);
      return make_operation<std::int64_t>(statement_of<count_gen<T, F>, Types>(), ps,
                                          std::move(fin));
    }
  }

  static auto truncate() {
    param_set<0> ps;
    return make_operation<void>(statement_of<truncate_gen<T>, oid_list<>>(), ps,
                                [](auto&& r) -> result<void> {
                                  if (!r) return std::move(r).error();
                                  return {};
                                });
  }

  // Seconds until the row expires (empty: never). NOT_FOUND when there is no unexpired row.
  static auto ttl(const key_type& k) {
    auto fin = [&k](auto&& r) -> result<std::optional<std::int64_t>> {
      if (!r) return std::move(r).error();
      if (r->row_count() == 0) return not_found_error_for(k);
      return scalar_int8(*r, "ttl");
    };
    using Types = key_param_types<T, pk_cols<T>>;
    using Op = operation<std::optional<std::int64_t>, Types::value.size(), decltype(fin)>;
    if (auto errs = key_problems<T>(k); !errs.empty())
      return checked<Op>(invalid_primary_key(std::move(errs)));
    param_set<Types::value.size()> ps;
    std::size_t p = 0;
    encode_value(k, ps, p);
    return checked<Op>(make_operation<std::optional<std::int64_t>>(
        statement_of<ttl_gen<T>, Types>(), ps, std::move(fin)));
  }

  // One batch of purge_expired: how many expired rows it deleted.
  static auto purge_batch(std::int64_t batch, bool skip_locked = true) {
    param_set<1> ps;
    ps.writer(0).append_be(batch);
    const statement& st = skip_locked ? statement_of<purge_gen<T>, oid_list<int8_oid>>()
                                      : statement_of<purge_gen<T, false>, oid_list<int8_oid>>();
    return make_operation<std::int64_t>(st, ps, [](auto&& r) -> result<std::int64_t> {
      if (!r) return std::move(r).error();
      return static_cast<std::int64_t>(r->affected_rows());
    });
  }

  // The row with this composite cache key string (as cache_key() builds it). The key is copied.
  static auto select_by_cache_key(std::string_view key, const read_options& o) {
    auto fin = [](auto&& r) -> result<std::optional<T>> {
      if (!r) return std::move(r).error();
      return optional_row<T>(*r);
    };
    using Types = oid_list<text_oid>;
    using Op = operation<std::optional<T>, 1, decltype(fin)>;
    if (auto p = text_problem(key))
      return checked<Op>(make_error(error_code::invalid_unique,
                                    std::string("invalid unique cache_key: ") + p,
                                    {{"cache_key", p}}));
    param_set<1> ps;
    ps.writer(0).append(key.data(), key.size());
    auto& st = M::has_ttl && o.skip_ttl ? statement_of<select_by_cache_key_gen<T, true>, Types>()
                                        : statement_of<select_by_cache_key_gen<T>, Types>();
    return checked<Op>(make_operation<std::optional<T>>(st, ps, std::move(fin)));
  }

  // One page by keyset: size + 1 rows after the offset's key, filtered by the foreign member F
  // (npos: none) and the tags. One operation type for every variant: the statement is chosen at
  // run time and the parameters are encoded in its order.
  template <std::size_t F, class FkV, class Sink = page_sink>
  static auto page(const FkV* fk, std::optional<std::int64_t> size, std::string_view offset,
                   const page_options& o, const pagination& limits, Sink sink = {}) {
    constexpr std::size_t fk_cols = F == npos ? 0 : fk_param_count<T, F>();
    constexpr std::size_t N = fk_cols + 1 + M::pk_columns.size() + 1;
    using Fin = page_finish<Sink>;
    using Op = operation<typename Sink::value_type, N, Fin>;
    option_errors oe;
    auto lim = check_page_options(o, limits, M::has_tags, M::table, oe);
    if (!oe.empty()) return checked<Op>(std::move(oe).error());
    const std::int64_t n = size ? *size : lim.page_size;
    if (n < 1 || n > lim.max_page_size)
      return checked<Op>(
          make_error(error_code::invalid_size,
                     "size must be an integer between 1 and " + std::to_string(lim.max_page_size)));
    const auto mode = o.tags.empty()                                         ? tags_filter::none
                      : o.match.value_or(tags_match::all) == tags_match::all ? tags_filter::all
                                                                             : tags_filter::any;
    fingerprint fp;
    fp.add(M::table);
    fp.add_u64(F);
    if constexpr (F != npos) fp.add(encode_binary_columns(*fk, member_column_count<T, F>()));
    fp.add_u64(static_cast<std::uint64_t>(mode));
    if (mode != tags_filter::none) {
      std::vector<std::string> sorted = o.tags;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (auto& t : sorted) fp.add(t);
    }
    key_type after{};
    const bool has_after = !offset.empty();
    if (has_after) {
      if (auto why = parse_offset_token<T>(offset, fp.value(), after))
        return checked<Op>(make_error(error_code::invalid_offset,
                                      "'" + echoed(offset) + "' is not a valid offset: " + why));
    }
    param_set<N> ps;
    std::size_t p = 0;
    if constexpr (F != npos) encode_value(*fk, ps, p);
    if (mode != tags_filter::none) encode_value(o.tags, ps, p);
    if (has_after) encode_value(after, ps, p);
    ps.writer(p++).append_be(n + 1);
    const statement* st = nullptr;
    using tf = tags_filter;
    if constexpr (M::has_tags) {
      if (mode == tf::all)
        st = has_after ? &page_statement<F, tf::all, true>() : &page_statement<F, tf::all, false>();
      if (mode == tf::any)
        st = has_after ? &page_statement<F, tf::any, true>() : &page_statement<F, tf::any, false>();
    }
    if (st == nullptr)
      st = has_after ? &page_statement<F, tf::none, true>() : &page_statement<F, tf::none, false>();
    return checked<Op>(
        make_operation<typename Sink::value_type>(*st, ps, Fin{sink, n, fp.value()}));
  }

  // ---- results and errors -------------------------------------------------------------------

  template <class Sink>
  struct page_finish {
    Sink sink;
    std::int64_t n;
    std::uint64_t fp;
    template <class R>
    result<typename Sink::value_type> operator()(R&& r) const {
      if (!r) return std::move(r).error();
      if constexpr (std::is_same_v<Sink, page_sink>) {
        result<typedao::page<T>> out;
        if (auto e = decode_page(*r, out->rows); e) return std::move(*e);
        const bool more = r->row_count() > n;
        if (more) out->offset = make_offset_token<T>(fp, key_of(out->rows.back()));
        return out;
      } else {
        sink.rows->clear();
        if (auto e = decode_page(*r, *sink.rows); e) return std::move(*e);
        if (r->row_count() > n)
          return std::optional<std::string>(make_offset_token<T>(fp, key_of(*sink.rows->back())));
        return std::optional<std::string>{};
      }
    }
    // Rows [0, min(n, got)) decoded in place into `rows` (T or result<T> elements).
    template <class R, class Rows>
    std::optional<error> decode_page(const R& rows, Rows& out) const {
      const int got = rows.row_count();
      if (got == 0) return std::nullopt;
      if (!shape_matches<T>(rows)) [[unlikely]]
        return shape_error<T>(rows);
      const int keep = got > n ? static_cast<int>(n) : got;
      if (auto bad = decode_rows_into(rows, keep, out)) [[unlikely]]
        return decode_error<T>(bad.member, bad.message);
      return std::nullopt;
    }
  };

  template <class R>
  static result<removed_type> cascade_report(const R& r) {
    removed_type out;
    for (int row = 0; row < r.row_count(); ++row) {
      std::int32_t e = -1;
      if (r.is_null(row, 0) || customize::codec<std::int32_t>::decode(
                                   r.data(row, 0), static_cast<std::size_t>(r.length(row, 0)), e))
        return make_error(error_code::database_error, "could not decode the cascade report");
      const char* err = nullptr;
      int col = 1;
      std::size_t j = 0;
      std::apply(
          [&](auto&... vecs) {
            (
                [&](auto& vec) {
                  using K = typename std::remove_cvref_t<decltype(vec)>::value_type;
                  constexpr int width = static_cast<int>(key_width<K>());
                  if (static_cast<std::int32_t>(j) == e && !err) {
                    K key{};
                    int c = col;
                    err = decode_value(r, row, c, key);
                    if (!err) vec.push_back(std::move(key));
                  }
                  col += width;
                  ++j;
                }(vecs),
                ...);
          },
          out.cascaded);
      if (err) return make_error(error_code::database_error, std::string("cascade report: ") + err);
    }
    return out;
  }
};

}  // namespace detail
}  // namespace typedao

#endif
