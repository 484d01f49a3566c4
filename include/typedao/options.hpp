#ifndef TYPEDAO_OPTIONS_HPP
#define TYPEDAO_OPTIONS_HPP

// Per-call options of the DAO (Kong's `options` table). dao/options.hpp checks them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace typedao {

/// Kong's DAO page-size limits: page_size is used when a call gives no size; max_page_size bounds
/// it.
struct pagination {
  std::int64_t page_size = 1000;
  std::int64_t max_page_size = 50000;
};

/// The largest TTL Kong accepts (about 3 years).
inline constexpr std::int64_t max_ttl = 100000000;
/// At most this many tags in one filter.
inline constexpr std::size_t max_filter_tags = 5;

/// How several tags filter: rows with all of them (Kong's tags_cond "and") or any of them ("or").
enum class tags_match { all, any };

/// Options of page / each / page_for / each_for.
struct page_options {
  std::vector<std::string> tags;          // filter (page/each and page_for/each_for), at most 5
  std::optional<tags_match> match;        // all-of (@>) or any-of (&&): required with several tags
  std::optional<std::int64_t> page_size;  // per-call default size (pagination.page_size)
  std::optional<std::int64_t> max_page_size;  // per-call bound (pagination.max_page_size)
};

/// Options of insert / update / upsert (and their _by variants).
struct write_options {
  std::optional<std::int64_t> ttl;  // seconds until the row expires; 0 = never (TTL entities only)
};

/// Options of select / select_by / remove / remove_by.
struct read_options {
  bool skip_ttl = false;  // reach rows that expired but were not purged yet
};

}  // namespace typedao

#endif
