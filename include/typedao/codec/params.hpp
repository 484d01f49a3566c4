#ifndef TYPEDAO_CODEC_PARAMS_HPP
#define TYPEDAO_CODEC_PARAMS_HPP

// The binary parameter buffer handed to libpq's PQexecPrepared (values, lengths, formats).
// Codecs write through a param_writer; small values are copied into an inline buffer so the
// common statement allocates nothing, strings are referenced in place.

#include <typedao/codec/wire.hpp>

#include <array>
#include <cassert>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace typedao {
namespace detail {

inline constexpr std::size_t param_inline_capacity = 512;
inline constexpr std::size_t param_max_length = static_cast<std::size_t>(INT_MAX);

// The owned bytes of one param_set. Not movable: it may point into itself.
class param_buffer {
 public:
  param_buffer() noexcept = default;
  param_buffer(const param_buffer&) = delete;
  param_buffer& operator=(const param_buffer&) = delete;
  // Moving copies the used inline bytes or takes the heap block (operations are values).
  param_buffer(param_buffer&& o) noexcept : size_(o.size_) {
    if (o.heap_ != nullptr) {
      heap_ = data_ = o.heap_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
      o.data_ = o.inline_;
      o.cap_ = param_inline_capacity;
    } else if (size_ != 0) {
      std::memcpy(inline_, o.inline_, size_);
    }
    o.size_ = 0;
  }
  param_buffer& operator=(param_buffer&&) = delete;
  ~param_buffer() { delete[] heap_; }

  char* data() noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  void clear() noexcept { size_ = 0; }

  char* extend(std::size_t n) {
    if (n > cap_ - size_) grow(n);
    char* p = data_ + size_;
    size_ += n;
    return p;
  }

  void append(const void* src, std::size_t n) {
    if (n > cap_ - size_) grow(n);
    // memcpy with a null source is undefined even for n == 0.
    if (n != 0) std::memcpy(data_ + size_, src, n);
    size_ += n;
  }

 private:
  void grow(std::size_t n) {
    if (n > SIZE_MAX / 2 - size_) throw std::length_error("typedao: parameter buffer too large");
    std::size_t cap = cap_ * 2;
    if (cap < size_ + n) cap = size_ + n;
    char* fresh = new char[cap];  // not value-initialised
    std::memcpy(fresh, data_, size_);
    delete[] heap_;
    heap_ = fresh;
    data_ = fresh;
    cap_ = cap;
  }

  char inline_[param_inline_capacity];
  char* data_ = inline_;
  std::size_t size_ = 0;
  std::size_t cap_ = param_inline_capacity;
  char* heap_ = nullptr;  // owned (no <memory>: its <ostream> costs every user's compile)
};

// Marks a parameter whose bytes are not (or not yet) in the owned buffer.
inline constexpr std::size_t param_not_owned = SIZE_MAX;

}  // namespace detail

/// Writes ONE parameter: what a codec's encode() receives (customize::codec<T>::encode(v, w)).
/// The last of set_null / set_ref / a run of append calls wins; a writer that is never used
/// yields an empty (zero-length, non-NULL) value.
class param_writer {
 public:
  param_writer(detail::param_buffer& buf, const char*& value, int& length,
               std::size_t& offset) noexcept
      : buf_(&buf), value_(&value), length_(&length), offset_(&offset) {}

  /// SQL NULL.
  void set_null() noexcept {
    *value_ = nullptr;
    *length_ = 0;
    *offset_ = detail::param_not_owned;
  }

  /// Zero copy: the n bytes at data must stay alive and unchanged until the statement ran.
  /// Throws std::length_error when n > INT_MAX (libpq lengths are int).
  void set_ref(const char* data, std::size_t n) {
    if (n > detail::param_max_length)
      throw std::length_error("typedao: parameter longer than INT_MAX bytes");
    *value_ = data != nullptr ? data : "";  // a null pointer would mean SQL NULL
    *length_ = static_cast<int>(n);
    *offset_ = detail::param_not_owned;
  }

  /// Copies n bytes into the set's storage, after what this writer appended before.
  /// Throws std::length_error when the value would exceed INT_MAX bytes, std::bad_alloc.
  void append(const void* data, std::size_t n) {
    if (*offset_ == detail::param_not_owned) {
      *offset_ = buf_->size();
      *value_ = nullptr;
      *length_ = 0;
    }
    // Writers must be used one after the other: a value's bytes are contiguous.
    assert(*offset_ + static_cast<std::size_t>(*length_) == buf_->size());
    if (n > detail::param_max_length - static_cast<std::size_t>(*length_))
      throw std::length_error("typedao: parameter longer than INT_MAX bytes");
    buf_->append(data, n);
    *length_ += static_cast<int>(n);
  }

  /// Appends n uninitialised bytes and returns where they start; the caller fills them before
  /// the next append. Same limits and exceptions as append.
  char* extend(std::size_t n) {
    if (*offset_ == detail::param_not_owned) {
      *offset_ = buf_->size();
      *value_ = nullptr;
      *length_ = 0;
    }
    assert(*offset_ + static_cast<std::size_t>(*length_) == buf_->size());
    if (n > detail::param_max_length - static_cast<std::size_t>(*length_))
      throw std::length_error("typedao: parameter longer than INT_MAX bytes");
    char* p = buf_->extend(n);
    *length_ += static_cast<int>(n);
    return p;
  }

  /// Appends an integral value in network byte order (big-endian).
  template <class Int>
  void append_be(Int v) {
    static_assert(
        std::is_integral_v<Int> && !std::is_same_v<Int, bool>,
        "typedao::param_writer::append_be: needs an integer type. Convert the value first.");
    using U = std::make_unsigned_t<Int>;
    auto u = static_cast<U>(v);
    if constexpr (sizeof(U) > 1) u = detail::network_order(u);
    append(&u, sizeof(Int));
  }

 private:
  detail::param_buffer* buf_;
  const char** value_;
  int* length_;
  std::size_t* offset_;
};

// The parameters of one statement execution. Neither copyable nor movable: values() may point
// into the object itself. Lifecycle: writer(0..N-1) in order, finish(), then hand values(),
// lengths() and formats() to libpq; clear() makes it reusable (keeping grown storage).
namespace detail {

template <std::size_t N>
class param_set {
  static_assert(N <= static_cast<std::size_t>(INT_MAX), "typedao: too many statement parameters.");

 public:
  param_set() noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      values_[i] = nullptr;
      lengths_[i] = 0;
      offsets_[i] = param_not_owned;
    }
  }
  param_set(const param_set&) = delete;
  param_set& operator=(const param_set&) = delete;
  // Owned values are re-pointed at the new buffer; referenced ones (set_ref) keep pointing at
  // the caller's bytes.
  param_set(param_set&& o) noexcept
      : buf_(std::move(o.buf_)), values_(o.values_), lengths_(o.lengths_), offsets_(o.offsets_) {
    for (std::size_t i = 0; i < N; ++i)
      if (offsets_[i] != param_not_owned && values_[i] != nullptr)
        values_[i] = buf_.data() + offsets_[i];
  }
  param_set& operator=(param_set&&) = delete;

  param_writer writer(std::size_t index) noexcept {
    assert(index < N);
    values_[index] = nullptr;
    lengths_[index] = 0;
    offsets_[index] = buf_.size();
    return param_writer{buf_, values_[index], lengths_[index], offsets_[index]};
  }

  void finish() noexcept {
    for (std::size_t i = 0; i < N; ++i)
      if (offsets_[i] != param_not_owned) values_[i] = buf_.data() + offsets_[i];
  }

  void clear() noexcept {
    buf_.clear();
    for (std::size_t i = 0; i < N; ++i) {
      values_[i] = nullptr;
      lengths_[i] = 0;
      offsets_[i] = param_not_owned;
    }
  }

  const char* const* values() const noexcept { return values_.data(); }
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }
  // Bytes held in owned storage (for tests and diagnostics).
  std::size_t owned_bytes() const noexcept { return buf_.size(); }
  bool spilled() const noexcept { return buf_.capacity() > param_inline_capacity; }

  static constexpr int size = static_cast<int>(N);

 private:
  static constexpr std::array<int, N> make_formats() noexcept {
    std::array<int, N> f{};
    for (auto& x : f) x = 1;
    return f;
  }
  static constexpr std::array<int, N> formats_ = make_formats();

  param_buffer buf_;
  std::array<const char*, N> values_;
  std::array<int, N> lengths_;
  std::array<std::size_t, N> offsets_;
};

}  // namespace detail
}  // namespace typedao

#endif
