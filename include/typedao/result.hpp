#ifndef TYPEDAO_RESULT_HPP
#define TYPEDAO_RESULT_HPP

// typedao::basic_result<T, E>: a value or an error (what std::expected<T, E> is in C++23, which
// libstdc++ 12 offers only under -std=c++23 and clang 16 cannot use). typedao used
// boost::system::result before; this one keeps the same member functions (has_value, value,
// operator*, operator->, error, emplace) but returns the error by reference instead of by
// copy, and costs a translation unit a fraction of the compile time (no Variant2, no Mp11 map).

#include <new>
#include <type_traits>
#include <utility>

namespace typedao {

template <class T, class E>
class basic_result;

namespace detail {
template <class R>
struct is_basic_result : std::false_type {};
template <class T, class E>
struct is_basic_result<basic_result<T, E>> : std::true_type {};

// value() on an error calls throw_error(e), found by argument-dependent lookup.
template <class E>
[[noreturn]] void throw_result_error(const E& e) {
  throw_error(e);
}
}  // namespace detail

template <class T, class E>
class basic_result {
  static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, E>,
                "typedao::result: T must be an object type other than the error type.");

 public:
  using value_type = T;
  using error_type = E;

  /// A value-initialised T.
  basic_result() noexcept(std::is_nothrow_default_constructible_v<T>)
    requires std::is_default_constructible_v<T>
      : has_(true) {
    ::new (static_cast<void*>(__builtin_addressof(v_))) T();
  }
  /// A value: anything T can be built from implicitly (and E cannot).
  template <class U = T>
    requires(std::is_convertible_v<U &&, T> && !std::is_convertible_v<U &&, E> &&
             !detail::is_basic_result<std::remove_cvref_t<U>>::value)
  basic_result(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) : has_(true) {
    ::new (static_cast<void*>(__builtin_addressof(v_))) T(std::forward<U>(v));
  }
  /// An error.
  basic_result(const E& e) : has_(false) {
    ::new (static_cast<void*>(__builtin_addressof(e_))) E(e);
  }
  basic_result(E&& e) noexcept : has_(false) {
    ::new (static_cast<void*>(__builtin_addressof(e_))) E(std::move(e));
  }

  basic_result(const basic_result& o)
    requires std::is_copy_constructible_v<T>
      : has_(o.has_) {
    if (has_)
      ::new (static_cast<void*>(__builtin_addressof(v_))) T(o.v_);
    else
      ::new (static_cast<void*>(__builtin_addressof(e_))) E(o.e_);
  }
  basic_result(basic_result&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
    requires std::is_move_constructible_v<T>
      : has_(o.has_) {
    if (has_)
      ::new (static_cast<void*>(__builtin_addressof(v_))) T(std::move(o.v_));
    else
      ::new (static_cast<void*>(__builtin_addressof(e_))) E(std::move(o.e_));
  }
  basic_result& operator=(const basic_result& o)
    requires std::is_copy_constructible_v<T> && std::is_copy_assignable_v<T>
  {
    if (this != &o) assign(o);
    return *this;
  }
  basic_result& operator=(basic_result&& o) noexcept(
      std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_assignable_v<T>)
    requires std::is_move_constructible_v<T> && std::is_move_assignable_v<T>
  {
    if (this != &o) assign(std::move(o));
    return *this;
  }
  /// Replaces the contents with an error.
  basic_result& operator=(E&& e) noexcept {
    destroy();
    ::new (static_cast<void*>(__builtin_addressof(e_))) E(std::move(e));
    has_ = false;
    return *this;
  }
  ~basic_result() { destroy(); }

  bool has_value() const noexcept { return has_; }
  bool has_error() const noexcept { return !has_; }
  explicit operator bool() const noexcept { return has_; }

  /// The value; throws (typedao::exception for typedao::error) when there is none.
  T& value() & {
    if (!has_) detail::throw_result_error(e_);
    return v_;
  }
  const T& value() const& {
    if (!has_) detail::throw_result_error(e_);
    return v_;
  }
  T&& value() && {
    if (!has_) detail::throw_result_error(e_);
    return std::move(v_);
  }

  /// The value, unchecked (has_value() must be true).
  T& operator*() & noexcept { return v_; }
  const T& operator*() const& noexcept { return v_; }
  T&& operator*() && noexcept { return std::move(v_); }
  T* operator->() noexcept { return __builtin_addressof(v_); }
  const T* operator->() const noexcept { return __builtin_addressof(v_); }

  /// The error, unchecked (has_error() must be true).
  E& error() & noexcept { return e_; }
  const E& error() const& noexcept { return e_; }
  E&& error() && noexcept { return std::move(e_); }

  /// Replaces the contents with a value built from args.
  template <class... A>
  T& emplace(A&&... args) {
    destroy();
    ::new (static_cast<void*>(__builtin_addressof(v_))) T(std::forward<A>(args)...);
    has_ = true;
    return v_;
  }

 private:
  template <class R>
  void assign(R&& o) {
    if (has_ && o.has_) {
      v_ = std::forward<R>(o).v_;
    } else if (!has_ && !o.has_) {
      e_ = std::forward<R>(o).e_;
    } else {
      destroy();
      if (o.has_)
        ::new (static_cast<void*>(__builtin_addressof(v_))) T(std::forward<R>(o).v_);
      else
        ::new (static_cast<void*>(__builtin_addressof(e_))) E(std::forward<R>(o).e_);
      has_ = o.has_;
    }
  }
  void destroy() noexcept {
    if (has_)
      v_.~T();
    else
      e_.~E();
  }

  union {
    T v_;
    E e_;
  };
  bool has_;
};

/// Success or an error.
template <class E>
class basic_result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  basic_result() noexcept = default;
  basic_result(const E& e) : e_(e), has_(false) {}
  basic_result(E&& e) noexcept : e_(std::move(e)), has_(false) {}

  bool has_value() const noexcept { return has_; }
  bool has_error() const noexcept { return !has_; }
  explicit operator bool() const noexcept { return has_; }
  /// Throws (typedao::exception for typedao::error) on an error.
  void value() const {
    if (!has_) detail::throw_result_error(e_);
  }
  void operator*() const noexcept {}
  void emplace() noexcept {
    e_ = E{};
    has_ = true;
  }

  E& error() & noexcept { return e_; }
  const E& error() const& noexcept { return e_; }
  E&& error() && noexcept { return std::move(e_); }

 private:
  E e_{};  // empty unless has_ is false
  bool has_ = true;
};

}  // namespace typedao

#endif
