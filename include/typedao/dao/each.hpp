#ifndef TYPEDAO_DAO_EACH_HPP
#define TYPEDAO_DAO_EACH_HPP

// dao.each(): every row of a query, one page in memory at a time, as an input range.

#include <typedao/dao/ops.hpp>
#include <typedao/error.hpp>

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {

/// An input range over every row of a query, one page in memory at a time. Elements are
/// result<T>, handed out by reference from the page they were decoded into (no copy, no move per
/// row): a failed page yields one element holding the error, then the range ends.
template <class T>
class each_range {
 public:
  // Fetches the page after an offset into `rows` (replacing what it held) and returns the next
  // offset (none: last page): a type-erased callable (what std::function would be, without
  // <functional>, whose include costs every user's compile).
  class fetch_fn {
    struct base {
      virtual ~base() = default;
      virtual base* clone() const = 0;
      virtual result<std::optional<std::string>> call(std::string_view offset,
                                                      std::vector<result<T>>& rows) = 0;
    };
    template <class F>
    struct impl final : base {
      F f;
      explicit impl(F x) : f(std::move(x)) {}
      base* clone() const override { return new impl(*this); }
      result<std::optional<std::string>> call(std::string_view offset,
                                              std::vector<result<T>>& rows) override {
        return f(offset, rows);
      }
    };
    base* p_ = nullptr;

   public:
    template <class F>
      requires(!std::is_same_v<std::remove_cvref_t<F>, fetch_fn>)
    explicit fetch_fn(F f) : p_(new impl<F>(std::move(f))) {}
    fetch_fn(const fetch_fn& o) : p_(o.p_ ? o.p_->clone() : nullptr) {}
    fetch_fn(fetch_fn&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    fetch_fn& operator=(fetch_fn o) noexcept {
      std::swap(p_, o.p_);
      return *this;
    }
    ~fetch_fn() { delete p_; }
    result<std::optional<std::string>> operator()(std::string_view offset,
                                                  std::vector<result<T>>& rows) {
      return p_->call(offset, rows);
    }
  };

  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, each_range>)
  explicit each_range(F f) : fetch_(std::move(f)) {}

  class iterator {
   public:
    using value_type = result<T>;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    iterator() = default;
    explicit iterator(each_range* r) noexcept : r_(r) {}
    value_type& operator*() const noexcept { return r_->rows_[r_->next_ - 1]; }
    value_type* operator->() const noexcept { return &r_->rows_[r_->next_ - 1]; }
    iterator& operator++() {
      r_->advance();
      return *this;
    }
    void operator++(int) { r_->advance(); }
    friend bool operator==(const iterator& i, std::default_sentinel_t) noexcept {
      return i.at_end();
    }

   private:
    bool at_end() const noexcept { return r_->done_; }
    each_range* r_ = nullptr;
  };

  iterator begin() {
    if (!started_) {
      started_ = true;
      advance();
    }
    return iterator(this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }
  /// 1-based number of the page the current element came from (Kong's page counter).
  std::size_t page_number() const noexcept { return page_no_; }

 private:
  // Moves to the next element (next_ - 1 is the current one), fetching pages as needed.
  void advance() {
    if (failed_ || done_) {
      done_ = true;
      return;
    }
    while (next_ >= rows_.size()) {
      if (last_) {
        done_ = true;
        return;
      }
      auto next = fetch_(offset_ ? std::string_view(*offset_) : std::string_view{}, rows_);
      if (!next) {
        rows_.clear();
        rows_.emplace_back(std::move(next).error());
        next_ = 1;
        failed_ = true;
        return;
      }
      ++page_no_;
      next_ = 0;
      offset_ = std::move(*next);
      last_ = !offset_;
    }
    ++next_;
  }

  fetch_fn fetch_;
  std::vector<result<T>> rows_;
  std::size_t next_ = 0;
  std::size_t page_no_ = 0;
  std::optional<std::string> offset_;
  bool started_ = false, last_ = false, done_ = false, failed_ = false;
};

}  // namespace typedao

#endif
