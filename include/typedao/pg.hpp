#ifndef TYPEDAO_PG_HPP
#define TYPEDAO_PG_HPP

// The libpq backend: typedao::pg::connection, typedao::pg::pool and typedao::pg::replicated_pool,
// and typedao::database<Es...>, pool_database<Es...> and replicated_database<Es...> on them.

#include <typedao/core.hpp>
#include <typedao/pg/connection.hpp>
#include <typedao/pg/events.hpp>
#include <typedao/pg/pool.hpp>
#include <typedao/pg/replicas.hpp>

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

/// The same on a primary and its read replicas: plain reads on a replica, the rest on the
/// primary (pg::replicated_pool, docs/scale-out.md):
///   typedao::pg::replicated_pool pool({.primary = {.conninfo = "host=db1"},
///                                      .replicas = {"host=db2", "host=db3"}});
///   typedao::replicated_database<Service, Plugin> db{pool};
template <entity... Es>
using replicated_database = basic_database<pg::replicated_pool, Es...>;

}  // namespace typedao

#endif
