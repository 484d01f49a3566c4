#ifndef TYPEDAO_PG_HPP
#define TYPEDAO_PG_HPP

// The libpq backend: typedao::pg::connection and typedao::pg::pool, and typedao::database<Es...>
// and typedao::pool_database<Es...> on them.

#include <typedao/core.hpp>
#include <typedao/pg/connection.hpp>
#include <typedao/pg/pool.hpp>

namespace typedao {

/// The registry of entities on a libpq connection (Kong's kong.db):
///   typedao::database<Service, Plugin> db{conn};
template <entity... Es>
using database = basic_database<pg::connection, Es...>;

/// The same on a pool: every DAO call takes a connection and gives it back; db.begin() keeps one
/// for the transaction:
///   typedao::pg::pool pool({.conninfo = "...", .max_size = 8});
///   typedao::pool_database<Service, Plugin> db{pool};
template <entity... Es>
using pool_database = basic_database<pg::pool, Es...>;

}  // namespace typedao

#endif
