#ifndef TYPEDAO_DETAIL_CTEXT_HPP
#define TYPEDAO_DETAIL_CTEXT_HPP

// Compile-time text: a generator is run twice in a constant expression, once to count the
// characters and once to write them into an array of exactly that size. No run-time string
// building, no fixed upper bound. Cost: two constant evaluations per distinct generator.

#include <cstddef>
#include <string_view>

namespace typedao::detail {

struct text_counter {
  std::size_t n = 0;
  constexpr void put(std::string_view s) { n += s.size(); }
  constexpr void put(char) { ++n; }
  constexpr void put_uint(std::size_t v) {
    do {
      ++n;
      v /= 10;
    } while (v);
  }
};

struct text_writer {
  char* p;
  constexpr void put(std::string_view s) {
    for (char c : s) *p++ = c;
  }
  constexpr void put(char c) { *p++ = c; }
  constexpr void put_uint(std::size_t v) {
    char tmp[20]{};
    int k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) *p++ = tmp[--k];
  }
};

template <std::size_t N>
struct fixed_text {
  char data[N + 1]{};
  constexpr std::string_view view() const { return {data, N}; }
  constexpr const char* c_str() const { return data; }
};

// Gen is an empty type with `template <class B> constexpr void operator()(B&) const`.
template <class Gen>
consteval std::size_t text_size() {
  text_counter c;
  Gen{}(c);
  return c.n;
}

template <class Gen>
consteval auto make_text() {
  fixed_text<text_size<Gen>()> out{};
  text_writer w{out.data};
  Gen{}(w);
  return out;
}

// One static copy per generator; string_views into it are valid for the program's lifetime.
template <class Gen>
inline constexpr auto text_v = make_text<Gen>();

// Quoted SQL identifier: "name" with embedded quotes doubled.
template <class B>
constexpr void put_ident(B& b, std::string_view id) {
  b.put('"');
  for (char c : id) {
    if (c == '"') b.put('"');
    b.put(c);
  }
  b.put('"');
}

}  // namespace typedao::detail

#endif
