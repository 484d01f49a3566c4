#ifndef TYPEDAO_ASYNC_HPP
#define TYPEDAO_ASYNC_HPP

// The DAO on the asynchronous connector (Boost.Asio): the same operation values as the blocking
// DAO (dao/ops.hpp), sent by typedao::pg::async_connection / async_pool without blocking the
// event loop. docs/async.md.
//   async/run.hpp          async_run, async_run_batch
//   async/dao.hpp          async_dao, async_rows (each)
//   async/transaction.hpp  async_begin, async_transaction (savepoints), async_transact
//   async/database.hpp     async_database<Es...>

#include <typedao/async/dao.hpp>
#include <typedao/async/database.hpp>
#include <typedao/async/run.hpp>
#include <typedao/async/transaction.hpp>

#endif
