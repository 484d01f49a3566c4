// The asynchronous tests' fixture: an io_context, a coroutine runner with a time limit, and
// connections / pool settings against the throwaway server (pg_fixture).
//
// g++ 12 miscompiles an aggregate temporary (`{.name = "a"}`) in a co_await expression (it frees
// the temporary's members from the coroutine frame; clang and the other forms are fine): the
// tests name their entities before awaiting, as docs/async.md asks.
#pragma once

#include "pg_fixture.hpp"

#include <typedao/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <string>

namespace typedao_test {

struct async_fixture_base : pg_fixture {
  boost::asio::io_context io;

  // Runs `f()` (an awaitable<void>) to the end on the io_context; rethrows what it threw.
  template <class F>
  void run(F f, int seconds = 60) {
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(io, f(), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    io.run_for(std::chrono::seconds(seconds));
    REQUIRE(done);  // finished in time
    if (failure) std::rethrow_exception(failure);
  }

  // (Parameters of trivial types only: g++ 12 mishandles coroutine parameters that own memory.)
  boost::asio::awaitable<typedao::pg::async_connection> open(int timeout_ms = 5000) {
    typedao::pg::connection_options o;
    o.timeout_ms = timeout_ms;
    o.init_sql = "SET application_name = 'typedao-async-" + std::to_string(::getpid()) + "'";
    typedao::pg::async_connection c(io.get_executor(), o);
    std::string ci = conninfo();
    auto r = co_await c.async_connect(std::move(ci), boost::asio::use_awaitable);
    REQUIRE_OK(r);
    co_return c;
  }
};

// The application_name of this process's pool connections (tests in other processes run at
// the same time: a test that terminates "its" backends must not hit theirs).
inline std::string async_pool_name() { return "typedao-async-pool-" + std::to_string(::getpid()); }

inline typedao::pg::pool_options async_pool_options(const std::string& conninfo,
                                                    std::size_t max_size) {
  typedao::pg::pool_options o;
  o.conninfo = conninfo;
  o.max_size = max_size;
  o.connection.init_sql = "SET application_name = '" + async_pool_name() + "'";
  return o;
}

}  // namespace typedao_test
