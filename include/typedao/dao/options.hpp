#ifndef TYPEDAO_DAO_OPTIONS_HPP
#define TYPEDAO_DAO_OPTIONS_HPP

// Checking a call's options (Kong's `options` table) together: several bad options give one
// INVALID_OPTIONS error listing them all, keys sorted, as Kong does.

#include <typedao/detail/utf8.hpp>
#include <typedao/error.hpp>
#include <typedao/options.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace typedao::detail {

// Kong's tag rule: printable ASCII except ',' and '/', or valid UTF-8; not empty.
inline bool valid_tag(std::string_view t) noexcept {
  if (t.empty() || !utf8_valid(t)) return false;
  for (unsigned char c : t) {
    if (c >= 128) continue;
    if (c < 32 || c == 127 || c == ',' || c == '/') return false;
  }
  return true;
}

// Collects option violations; `error()` builds Kong's INVALID_OPTIONS message.
class option_errors {
 public:
  void add(std::string key, std::string msg) { errs_.push_back({std::move(key), std::move(msg)}); }
  bool empty() const noexcept { return errs_.empty(); }

  TYPEDAO_COLD typedao::error error() && {
    sort_fields(errs_, field_name_less);
    std::string msg = errs_.size() == 1 ? "invalid option ("
                                        : std::to_string(errs_.size()) + " option violations (";
    for (std::size_t i = 0; i < errs_.size(); ++i) {
      if (i) msg += "; ";
      msg += errs_[i].field;
      msg += ": ";
      msg += errs_[i].value;
    }
    msg += ')';
    return make_error(error_code::invalid_options, std::move(msg), std::move(errs_));
  }

 private:
  std::vector<field_detail> errs_;
};

TYPEDAO_COLD inline void add_ttl_problem(bool ttl_entity, std::string_view table,
                                         option_errors& errs) {
  if (!ttl_entity)
    errs.add("ttl", "cannot be used with '" + std::string(table) + "'");
  else
    errs.add("ttl", "must be an integer between 0 and " + std::to_string(max_ttl));
}

inline void check_ttl(const std::optional<std::int64_t>& ttl, bool ttl_entity,
                      std::string_view table, option_errors& errs) {
  if (ttl && (!ttl_entity || *ttl < 0 || *ttl > max_ttl)) add_ttl_problem(ttl_entity, table, errs);
}

// Effective limits after per-call overrides; reports bad overrides and tags.
inline pagination check_page_options(const page_options& o, const pagination& base, bool has_tags,
                                     std::string_view table, option_errors& errs) {
  pagination p = base;
  if (o.max_page_size) {
    if (*o.max_page_size < 1)
      errs.add("pagination.max_page_size", "must be an integer greater than 0");
    else
      p.max_page_size = *o.max_page_size;
  }
  if (o.page_size) {
    if (*o.page_size < 1 || *o.page_size > p.max_page_size)
      errs.add("pagination.page_size",
               "must be an integer between 1 and " + std::to_string(p.max_page_size));
    else
      p.page_size = *o.page_size;
  }
  if (!o.tags.empty()) {
    if (!has_tags) {
      errs.add("tags", "cannot be used with '" + std::string(table) + "'");
    } else if (o.tags.size() > max_filter_tags) {
      errs.add("tags", "cannot query more than " + std::to_string(max_filter_tags) + " tags");
    } else {
      bool valid = true;
      for (auto& t : o.tags) {
        if (!valid_tag(t)) {
          errs.add("tags", "must only contain printable ascii (except `,` and `/`) or valid utf-8");
          valid = false;
          break;
        }
      }
      // Kong's tags_cond has no default: with several tags the caller must say all or any.
      if (valid && o.tags.size() > 1 && !o.match)
        errs.add("tags_cond", "must be a either 'and' or 'or' when more than one tag is specified");
    }
  }
  return p;
}

}  // namespace typedao::detail

#endif
