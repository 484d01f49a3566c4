#ifndef TYPEDAO_PG_ASYNC_CONNECT_HPP
#define TYPEDAO_PG_ASYNC_CONNECT_HPP

// Connecting to PostgreSQL without blocking an Asio executor (used by pg::async_connection):
// PQconnectStartParams and PQconnectPoll driven by the socket's readiness, bounded by
// connect_timeout_s, then init_sql through the simple query protocol, then pipeline mode.

#include <typedao/error.hpp>
#include <typedao/pg/connection.hpp>
#include <typedao/pg/rows.hpp>
#include <typedao/pg/support.hpp>

#include <libpq-fe.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace typedao::pg::detail {

TYPEDAO_COLD inline error async_error(error_code c, std::string message, outcome o) {
  error e;
  e.code = c;
  e.message = std::move(message);
  e.outcome = o;
  return e;
}

// One connect: completes once, through `done`, with the connection (non-blocking, in pipeline
// mode, init_sql run) or a null one and the error (not_sent).
class async_connector : public std::enable_shared_from_this<async_connector> {
 public:
  using done_fn = std::function<void(PGconn*, error)>;

  async_connector(boost::asio::any_io_executor ex, const connection_options& o, done_fn done)
      : ex_(std::move(ex)), options_(o), done_(std::move(done)) {}
  ~async_connector() {
    if (connecting_) PQfinish(connecting_);
  }

  /// Closed while connecting: completes with that error.
  void abort() {
    connect_failed(
        async_error(error_code::database_error, "closed while connecting", outcome::not_sent));
  }

  PGconn* connecting_ = nullptr;
  std::optional<boost::asio::posix::stream_descriptor> csock_;
  std::optional<boost::asio::steady_timer> ctimer_;
  bool connect_timed_out_ = false;
  rows init_error_;

  void start(const std::string& conninfo) {
    const connect_params params(conninfo, options_);
    connecting_ = PQconnectStartParams(params.keys, params.values, /*expand_dbname=*/1);
    if (!connecting_ || PQstatus(connecting_) == CONNECTION_BAD) {
      connect_failed(error_from(connecting_, nullptr));
      return;
    }
    connect_timed_out_ = false;
    if (options_.connect_timeout_s > 0) {
      ctimer_.emplace(ex_);
      ctimer_->expires_after(std::chrono::seconds(options_.connect_timeout_s));
      ctimer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || !self->connecting_) return;
        self->connect_timed_out_ = true;
        if (self->csock_) {
          boost::system::error_code ignored;
          self->csock_->cancel(ignored);
        }
      });
    }
    poll_step(PGRES_POLLING_WRITING);
  }

  void watch_connecting(boost::asio::posix::stream_descriptor::wait_type w,
                        void (async_connector::*next)()) {
    const int fd = PQsocket(connecting_);
    if (!csock_ || csock_->native_handle() != fd) {
      if (csock_) (void)csock_->release();
      csock_.emplace(ex_, fd);
    }
    csock_->async_wait(w, [self = shared_from_this(), next](const boost::system::error_code& ec) {
      if (!self->connecting_) return;
      if (ec || self->connect_timed_out_) {
        auto e = async_error(
            error_code::database_error,
            "connecting timed out after " + std::to_string(self->options_.connect_timeout_s) + " s",
            outcome::not_sent);
        e.server.sqlstate = "08001";
        self->connect_failed(std::move(e));
        return;
      }
      ((*self).*next)();
    });
  }

  void poll_step(PostgresPollingStatusType st) {
    switch (st) {
      case PGRES_POLLING_OK:
        init_step();
        return;
      case PGRES_POLLING_FAILED:
        connect_failed(error_from(connecting_, nullptr));
        return;
      case PGRES_POLLING_READING:
        watch_connecting(boost::asio::posix::stream_descriptor::wait_read,
                         &async_connector::repoll);
        return;
      default:
        watch_connecting(boost::asio::posix::stream_descriptor::wait_write,
                         &async_connector::repoll);
    }
  }
  void repoll() { poll_step(PQconnectPoll(connecting_)); }

  // init_sql, through the simple query protocol (it may hold several statements), before the
  // connection enters pipeline mode.
  void init_step() {
    PQsetNoticeProcessor(
        connecting_, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(connecting_, 1) != 0) {
      connect_failed(error_from(connecting_, nullptr));
      return;
    }
    if (options_.init_sql.empty()) {
      connect_ready();
      return;
    }
    if (!PQsendQuery(connecting_, options_.init_sql.c_str())) {
      connect_failed(error_from(connecting_, nullptr));
      return;
    }
    init_error_ = rows();
    init_flush();
  }
  void init_flush() {
    const int f = PQflush(connecting_);
    if (f < 0) return connect_failed(error_from(connecting_, nullptr));
    if (f > 0)
      return watch_connecting(boost::asio::posix::stream_descriptor::wait_write,
                              &async_connector::init_flush);
    init_read();
  }
  void init_read() {
    if (!PQconsumeInput(connecting_)) return connect_failed(error_from(connecting_, nullptr));
    while (!PQisBusy(connecting_)) {
      PGresult* r = PQgetResult(connecting_);
      if (!r) {
        if (init_error_.native_handle()) {
          auto e = error_from(connecting_, init_error_.native_handle());
          e.message = "init_sql failed: " + e.message;
          e.outcome = outcome::not_sent;
          return connect_failed(std::move(e));
        }
        return connect_ready();
      }
      const auto st = PQresultStatus(r);
      if ((st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) && !init_error_.native_handle())
        init_error_ = rows(r);
      else
        PQclear(r);
    }
    watch_connecting(boost::asio::posix::stream_descriptor::wait_read, &async_connector::init_read);
  }

  void connect_ready() {
    if (PQenterPipelineMode(connecting_) != 1)
      return connect_failed(error_from(connecting_, nullptr));
    if (ctimer_) ctimer_->cancel();
    if (csock_) {
      boost::system::error_code ignored;
      csock_->cancel(ignored);
      (void)csock_->release();  // the descriptor belongs to libpq
      csock_.reset();
    }
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::exchange(connecting_, nullptr), error{});
  }

  void connect_failed(error e) {
    if (e.outcome != outcome::not_sent) e.outcome = outcome::not_sent;
    if (ctimer_) ctimer_->cancel();
    if (csock_) {
      boost::system::error_code ignored;
      csock_->cancel(ignored);
      (void)csock_->release();
      csock_.reset();
    }
    if (connecting_) PQfinish(connecting_);
    connecting_ = nullptr;
    if (done_) {
      auto done = std::move(done_);
      done(nullptr, std::move(e));
    }
  }

 private:
  boost::asio::any_io_executor ex_;
  connection_options options_;
  done_fn done_;
};

}  // namespace typedao::pg::detail

#endif
