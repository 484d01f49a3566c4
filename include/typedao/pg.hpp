#ifndef TYPEDAO_PG_HPP
#define TYPEDAO_PG_HPP

// The libpq backend: typedao::pg::connection, and typedao::database<Es...> on it.

#include <typedao/core.hpp>
#include <typedao/pg/connection.hpp>

namespace typedao {

/// The registry of entities on a libpq connection (Kong's kong.db):
///   typedao::database<Service, Plugin> db{conn};
template <entity... Es>
using database = basic_database<pg::connection, Es...>;

}  // namespace typedao

#endif
