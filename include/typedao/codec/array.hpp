#ifndef TYPEDAO_CODEC_ARRAY_HPP
#define TYPEDAO_CODEC_ARRAY_HPP

// std::vector<T> and std::set<T> as one-dimensional PostgreSQL arrays of T's type, for every T
// whose codec names its array type (`array_oid`). Include <typedao/codec.hpp>, not this header.

#include <typedao/codec/core.hpp>
#include <typedao/codec/scalar.hpp>
#include <typedao/detail/ctext.hpp>

#include <climits>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {
namespace detail {

inline constexpr oid_t text_oid = 25;
inline constexpr oid_t varchar_oid = 1043;

template <class C>
struct is_std_vector : std::false_type {};
template <class T>
struct is_std_vector<std::vector<T>> : std::true_type {};
template <class C>
struct is_std_set : std::false_type {};
template <class T>
struct is_std_set<std::set<T>> : std::true_type {};

// "integer[]"
template <class T>
struct array_sql_type_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put(customize::codec<T>::sql_type);
    b.put("[]");
  }
};

// "expected integer array elements" ("text or varchar" for text elements)
template <class T>
struct array_element_message_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("expected ");
    if constexpr (customize::codec<T>::oid == text_oid)
      b.put("text or varchar");
    else
      b.put(customize::codec<T>::sql_type);
    b.put(" array elements");
  }
};

// "NULL element in a text[] mapped to std::vector<std::string>"
template <class C, class T>
struct array_null_message_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("NULL element in a");
    const std::string_view name = customize::codec<T>::sql_type;
    if (name.front() == 'a' || name.front() == 'e' || name.front() == 'i' || name.front() == 'o' ||
        name.front() == 'u')
      b.put('n');
    b.put(' ');
    b.put(name);
    b.put("[] mapped to std::");
    b.put(is_std_set<C>::value ? "set" : "vector");
    if constexpr (std::is_same_v<T, std::string>) b.put("<std::string>");
  }
};

// Elements that are one contiguous run of bytes are written without a scratch buffer.
template <class T>
inline constexpr bool byte_range_element =
    std::is_same_v<T, std::string> || std::is_same_v<T, bytes>;

// The binary array format (array_send / array_recv): int32 ndim, int32 has-null flag, element
// oid, then per dimension int32 size and int32 lower bound, then per element int32 length (-1:
// NULL) and its bytes. Encoding writes ndim 0 for an empty container, else one dimension with
// lower bound 1 and no NULLs. Decoding accepts zero or one dimension and any lower bound; NULL
// elements, other element types, more dimensions and inconsistent lengths are errors.
template <class C, class T>
struct array_codec {
  static constexpr oid_t oid = customize::codec<T>::array_oid;
  static constexpr std::string_view sql_type = text_v<array_sql_type_gen<T>>.view();
  static constexpr oid_t element_oid = customize::codec<T>::oid;

  /// Throws std::length_error when an element or the whole value exceeds INT_MAX bytes, and
  /// whatever the element codec throws.
  static void encode(const C& v, param_writer& w) {
    if (v.size() > static_cast<std::size_t>(INT_MAX))
      throw std::length_error("typedao: array with more than INT_MAX elements");
    if constexpr (byte_range_element<T>) {
      // One buffer extension for the whole value: header, then length + bytes per element.
      std::size_t total = v.empty() ? 12 : 20;
      for (const auto& e : v) {
        if (e.size() > static_cast<std::size_t>(INT_MAX))
          throw std::length_error("typedao: array element longer than INT_MAX bytes");
        if (e.size() + 4 > SIZE_MAX - total) throw std::length_error("typedao: array too large");
        total += 4 + e.size();
      }
      char* p = w.extend(total);
      auto put = [&p](std::uint32_t x) {
        x = network_order(x);
        std::memcpy(p, &x, 4);
        p += 4;
      };
      put(v.empty() ? 0 : 1);  // ndim
      put(0);                  // has nulls
      put(element_oid);
      if (v.empty()) return;
      put(static_cast<std::uint32_t>(v.size()));
      put(1);  // lower bound
      for (const auto& e : v) {
        put(static_cast<std::uint32_t>(e.size()));
        if (!e.empty()) std::memcpy(p, e.data(), e.size());
        p += e.size();
      }
      return;
    }
    w.append_be(std::int32_t{v.empty() ? 0 : 1});  // ndim
    w.append_be(std::int32_t{0});                  // has nulls
    w.append_be(static_cast<std::int32_t>(element_oid));
    if (v.empty()) return;
    w.append_be(static_cast<std::int32_t>(v.size()));
    w.append_be(std::int32_t{1});  // lower bound
    if constexpr (byte_range_element<T>) {
    } else {
      param_set<1> scratch;
      for (auto&& e : v) {
        const T& ev = e;  // std::vector<bool> hands out proxies
        scratch.clear();
        {
          auto sw = scratch.writer(0);
          customize::codec<T>::encode(ev, sw);
        }
        scratch.finish();
        const char* p = scratch.values()[0];
        if (p == nullptr) {
          w.append_be(std::int32_t{-1});
        } else {
          w.append_be(static_cast<std::int32_t>(scratch.lengths()[0]));
          w.append(p, static_cast<std::size_t>(scratch.lengths()[0]));
        }
      }
    }
  }

  TYPEDAO_INLINE static const char* decode(const char* data, std::size_t n, C& out) noexcept {
    if (n < array_header_size) return "truncated array header";
    const auto ndim = load_be<std::int32_t>(data);
    const auto flags = load_be<std::int32_t>(data + 4);
    const auto elem = load_be<oid_t>(data + 8);
    if (ndim < 0) return "negative array dimension count";
    if (ndim > 1) return "expected a one-dimensional array";
    if (flags != 0 && flags != 1) return "invalid array flags";
    if (elem != element_oid && !(element_oid == text_oid && elem == varchar_oid))
      return text_v<array_element_message_gen<T>>.c_str();
    std::size_t pos = array_header_size;
    std::size_t count = 0;
    if (ndim == 1) {
      if (n - pos < array_dim_size) return "truncated array header";
      const auto dim = load_be<std::int32_t>(data + pos);
      // The lower bound (data + pos + 4) does not matter to a container.
      pos += array_dim_size;
      if (dim < 0) return "negative array length";
      count = static_cast<std::size_t>(dim);
      // Every element takes at least its 4-byte length: check before allocating for them.
      if (count > (n - pos) / 4) return "array length exceeds the buffer";
    }
    constexpr bool in_place = is_std_vector<C>::value && !std::is_same_v<T, bool>;
    if constexpr (is_std_vector<C>::value && std::is_same_v<T, std::string>) {
      // Strings are built from their bytes in place: no default construction, then assignment.
      try {
        out.clear();
        out.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
          if (n - pos < 4) return "truncated array element";
          const auto len = load_be<std::int32_t>(data + pos);
          pos += 4;
          if (len == -1) return text_v<array_null_message_gen<C, T>>.c_str();
          if (len < 0) return "negative array element length";
          const auto ulen = static_cast<std::size_t>(len);
          if (ulen > n - pos) return "array element length exceeds the buffer";
          out.emplace_back(data + pos, ulen);
          pos += ulen;
        }
      } catch (...) {
        return "out of memory";
      }
      if (pos != n) return "trailing bytes after array";
      return nullptr;
    }
    try {
      out.clear();
      if constexpr (in_place) out.resize(count);
    } catch (...) {
      return "out of memory";
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (n - pos < 4) return "truncated array element";
      const auto len = load_be<std::int32_t>(data + pos);
      pos += 4;
      if (len == -1) return text_v<array_null_message_gen<C, T>>.c_str();
      if (len < 0) return "negative array element length";
      const auto ulen = static_cast<std::size_t>(len);
      if (ulen > n - pos) return "array element length exceeds the buffer";
      if constexpr (in_place) {
        if (const char* err = customize::codec<T>::decode(data + pos, ulen, out[i])) return err;
      } else {
        try {
          T e{};
          if (const char* err = customize::codec<T>::decode(data + pos, ulen, e)) return err;
          if constexpr (is_std_set<C>::value)
            out.insert(out.end(), std::move(e));  // duplicates collapse: set semantics
          else
            out.push_back(e);
        } catch (...) {
          return "out of memory";
        }
      }
      pos += ulen;
    }
    if (pos != n) return "trailing bytes after array";
    return nullptr;
  }

  static void render(const C& v, std::string& out) {
    out.push_back('{');
    bool first = true;
    for (auto&& e : v) {
      if (!first) out.push_back(',');
      first = false;
      const T& ev = e;
      customize::codec<T>::render(ev, out);
    }
    out.push_back('}');
  }
};

template <class T>
concept less_comparable = requires(const T& a, const T& b) {
  { a < b } -> std::convertible_to<bool>;
};

}  // namespace detail

namespace customize {

/// T[] for every T with an array type: bool[], smallint[], integer[], bigint[], real[],
/// double precision[], text[], bytea[], uuid[], timestamptz[], date[], numeric[], text[] for
/// described enums, jsonb[] for records (typedao/json.hpp), and user types that declare
/// `array_oid`.
template <class T>
  requires has_array_codec<T>
struct codec<std::vector<T>> : detail::array_codec<std::vector<T>, T> {};

/// Kong's sets: the same array type, elements sorted and unique (duplicates read from the
/// database collapse). Not for floating-point elements (NaN has no order).
template <class T>
  requires has_array_codec<T> && (!std::floating_point<T>) && detail::less_comparable<T>
struct codec<std::set<T>> : detail::array_codec<std::set<T>, T> {};

}  // namespace customize

namespace detail {

// std::vector<T> / std::set<T> stored as an array (not bytea): the DAO checks each element.
template <class C>
struct array_container : std::false_type {};
template <class T>
  requires has_array_codec<T>
struct array_container<std::vector<T>> : std::true_type {
  using element_type = T;
};
template <class T>
  requires has_codec<std::set<T>>
struct array_container<std::set<T>> : std::true_type {
  using element_type = T;
};

}  // namespace detail
}  // namespace typedao

#endif
