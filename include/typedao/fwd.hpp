#ifndef TYPEDAO_FWD_HPP
#define TYPEDAO_FWD_HPP

// Forward declarations of typedao's vocabulary, for headers of your own that mention these types
// (function declarations, pointers, members of class templates) without including typedao.
// Includes nothing. The DAO types themselves are constrained templates: include dao.hpp.

namespace typedao {

template <class T, class E>
class basic_result;
struct error;
/// result<T>: the value of a DAO call or a typedao::error (result.hpp).
template <class T>
using result = basic_result<T, error>;
enum class error_code : int;
struct field_detail;

struct pagination;
struct page_options;
struct write_options;
struct read_options;
template <class T>
struct page;

template <class P, class Key>
class foreign;

namespace pg {
class connection;
}  // namespace pg

}  // namespace typedao

#endif
