#ifndef TYPEDAO_PG_ASYNC_IMPL_HPP
#define TYPEDAO_PG_ASYNC_IMPL_HPP

// The state behind pg::async_connection (pg/async_connection.hpp): libpq in non-blocking
// pipeline mode on an Asio executor; the pipeline of operations in flight, their deadlines on
// one timer, cancellation, and exclusive use (holds) for transactions on a shared connection.

#include <typedao/connector.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/async_connect.hpp>
#include <typedao/pg/async_op.hpp>
#include <typedao/pg/connection.hpp>
#include <typedao/pg/rows.hpp>
#include <typedao/pg/support.hpp>

#include <libpq-fe.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace typedao::pg {

namespace detail {

class async_impl : public std::enable_shared_from_this<async_impl> {
 public:
  using executor_type = boost::asio::any_io_executor;

  async_impl(executor_type ex, connection_options o)
      : ex_(std::move(ex)), options_(std::move(o)), timer_(ex_) {}
  ~async_impl() { close_now(); }

  executor_type ex_;
  connection_options options_;
  PGconn* conn_ = nullptr;
  std::optional<boost::asio::posix::stream_descriptor> sock_;
  boost::asio::steady_timer timer_;
  long long armed_ms_ = 0;  // when the timer fires next (0: not armed)
  bool reading_ = false;
  bool writing_ = false;
  bool broken_ = false;
  std::string broken_why_;
  std::deque<std::unique_ptr<async_op>> pending_;
  unsigned long long next_seq_ = 0, flushed_seq_ = 0;
  std::vector<unsigned char> prepared_;  // by statement id: 1 prepared (or being prepared)
  int corked_ = 0;                       // > 0: sends are collected, flushed when it drops to 0

  bool is_open() const noexcept { return conn_ && !broken_; }

  // ---- sending --------------------------------------------------------------------------

  void start(std::unique_ptr<async_op> op, const exec_options& eo) {
    if (!is_open()) {
      complete(std::move(op),
               async_error(error_code::database_error,
                           broken_why_.empty() ? "the connection is not open" : broken_why_,
                           outcome::not_sent));
      return;
    }
    const int t = eo.timeout_ms < 0 ? options_.timeout_ms : eo.timeout_ms;
    if (t > 0) {
      op->budget_ms = t;
      op->deadline_ms = monotonic_ms() + t;
    }
    if (holder_ != 0 ? eo.hold != holder_ : !hold_waiters_.empty()) {
      // Another caller holds the connection (a transaction), or waits for it: this statement
      // waits unsent, in order; its deadline runs and it can be cancelled.
      async_op* raw = op.get();
      held_back_.push_back(std::move(op));
      watch_cancellation(raw);
      arm(raw->deadline_ms);
      return;
    }
    launch(std::move(op));
  }

  void launch(std::unique_ptr<async_op> op) {
    if (!is_open()) {
      complete(std::move(op),
               async_error(error_code::database_error, broken_why_, outcome::not_sent));
      return;
    }
    if (!send(*op)) {
      auto e = error_from(conn_, nullptr);
      e.outcome = outcome::not_sent;
      complete(std::move(op), std::move(e));
      fail_all("the connection failed while sending");
      return;
    }
    op->seq = next_seq_++;
    async_op* raw = op.get();
    pending_.push_back(std::move(op));
    watch_cancellation(raw);
    arm(raw->deadline_ms);
    if (corked_ == 0) flush();
    read();
  }

  // ---- exclusive use (holds) --------------------------------------------------------------

  using hold_handler = boost::asio::any_completion_handler<void(result<unsigned long long>)>;
  unsigned long long holder_ = 0, last_hold_ = 0;    // holder_: the granted hold (0: none)
  std::deque<std::unique_ptr<async_op>> held_back_;  // statements of others, unsent, in order
  std::deque<hold_handler> hold_waiters_;

  void request_hold(hold_handler h) {
    hold_waiters_.emplace_back();
    hold_waiters_.back().swap(h);
    grant();
  }

  // A hold is granted once nothing is in flight (so no one else's statement shares its
  // transaction).
  void grant() {
    if (holder_ != 0 || hold_waiters_.empty() || !pending_.empty()) return;
    holder_ = ++last_hold_;
    hold_handler h;
    h.swap(hold_waiters_.front());
    hold_waiters_.pop_front();
    boost::asio::post(ex_, [h = std::move(h), id = holder_]() mutable {
      std::move(h)(result<unsigned long long>(id));
    });
  }

  void release_hold(unsigned long long id) {
    if (id == 0 || holder_ != id) return;
    holder_ = 0;
    auto waiting = std::move(held_back_);
    held_back_.clear();
    ++corked_;
    for (auto& op : waiting) launch(std::move(op));
    if (--corked_ == 0) flush();
    grant();
  }

  // Puts one segment into libpq's output buffer: [prepare,] execute, sync.
  bool send(async_op& op) {
    op.queries_left = 0;
    op.kept = rows();
    op.have_error = false;
    op.prepare_failed = false;
    if (!op.stmt) {
      if (!PQsendQueryParams(conn_, op.script.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0))
        return false;
      op.queries_left = 1;
      return PQpipelineSync(conn_) == 1;
    }
    const statement& s = *op.stmt;
    const param_view& p = op.params;
    if (options_.statement_mode == connection_options::statements::unnamed) {
      if (!PQsendQueryParams(conn_, s.text.data(), p.count, s.param_types, p.values, p.lengths,
                             p.formats, 1))
        return false;
      op.queries_left = 1;
      return PQpipelineSync(conn_) == 1;
    }
    char fallback[32];
    const char* name = s.name ? s.name : connection_id_name(s.id, fallback);
    if (!(s.id < prepared_.size() && prepared_[s.id])) {
      if (!PQsendPrepare(conn_, name, s.text.data(), s.param_count, s.param_types)) return false;
      ++op.queries_left;
      if (s.id >= prepared_.size()) prepared_.resize(s.id + 1, 0);
      prepared_[s.id] = 1;  // later segments execute it; if this prepare fails they re-prepare
      op.prepares = s.id;
    }
    if (!PQsendQueryPrepared(conn_, name, p.count, p.values, p.lengths, p.formats, 1)) return false;
    ++op.queries_left;
    return PQpipelineSync(conn_) == 1;
  }

  static const char* connection_id_name(std::size_t id, char (&out)[32]) noexcept {
    std::snprintf(out, sizeof out, "td_%zu", id);
    return out;
  }

  void flush() {
    if (writing_ || !is_open()) return;
    const int f = PQflush(conn_);
    if (f == 0) {
      flushed_seq_ = next_seq_;
      return;
    }
    if (f < 0) {
      fail_all("the connection failed while sending");
      return;
    }
    writing_ = true;
    sock_->async_wait(boost::asio::posix::stream_descriptor::wait_write,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        self->writing_ = false;
                        if (!ec) self->flush();
                      });
  }

  // ---- receiving ------------------------------------------------------------------------

  void read() {
    if (reading_ || pending_.empty() || !is_open()) return;
    reading_ = true;
    sock_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        self->reading_ = false;
                        if (ec) return;
                        self->on_readable();
                      });
  }

  void on_readable() {
    if (!is_open()) return;
    if (!PQconsumeInput(conn_)) {
      fail_all(trim_message(PQerrorMessage(conn_)));
      return;
    }
    process();
    if (!is_open()) return;
    if (flushed_seq_ < next_seq_ && corked_ == 0) flush();
    read();
  }

  // Reads every result that has arrived, completing the operations whose segment ended.
  void process() {
    while (!pending_.empty() && is_open()) {
      if (PQisBusy(conn_)) return;
      PGresult* r = PQgetResult(conn_);
      async_op& op = *pending_.front();
      if (!r) {
        if (op.queries_left > 0) --op.queries_left;
        continue;
      }
      switch (PQresultStatus(r)) {
        case PGRES_PIPELINE_SYNC:
          PQclear(r);
          finish_front();
          break;
        case PGRES_FATAL_ERROR:
        case PGRES_BAD_RESPONSE:
        case PGRES_NONFATAL_ERROR:
        case PGRES_PIPELINE_ABORTED:
          if (!op.have_error) {
            op.kept = rows(r);
            op.have_error = true;
            // The segment's first query (two still to end) is its PREPARE, when it has one.
            op.prepare_failed = op.prepares != static_cast<std::size_t>(-1) && op.queries_left == 2;
          } else {
            PQclear(r);
          }
          break;
        default:
          if (!op.have_error)
            op.kept = rows(r);
          else
            PQclear(r);
      }
      if (PQstatus(conn_) != CONNECTION_OK) {
        fail_all(trim_message(PQerrorMessage(conn_)));
        return;
      }
    }
  }

  void finish_front() {
    std::unique_ptr<async_op> op = std::move(pending_.front());
    pending_.pop_front();
    if (pending_.empty()) {
      if (held_back_.empty() && armed_ms_ != 0) {  // nothing left to time: the executor may idle
        armed_ms_ = 0;
        timer_.cancel();
      }
      grant();
    }
    if (op->abandoned) return;  // already answered (deadline or cancellation)
    if (!op->have_error) {
      rows r = std::move(op->kept);
      complete(std::move(op), std::move(r));
      return;
    }
    error e = error_from(conn_, op->kept.native_handle());
    const std::string& st = e.server.sqlstate;
    // The prepare itself failed (not the statement after it, which leaves it prepared).
    if (op->prepare_failed && st != "42P05") prepared_[op->prepares] = 0;
    // 42P05: prepared already on this session (the name is derived from the text: it is this
    // statement); 26000: not prepared (a failed prepare before it). Sent again, once.
    if ((st == "42P05" || st == "26000") && op->stmt && !op->retried) {
      if (st == "42P05") prepared_[op->stmt->id] = 1;
      if (st == "26000") prepared_[op->stmt->id] = 0;
      op->retried = true;
      op->prepares = static_cast<std::size_t>(-1);
      if (send(*op)) {
        op->seq = next_seq_++;
        pending_.push_back(std::move(op));
        if (corked_ == 0) flush();
        return;
      }
      fail_all("the connection failed while sending");
      return;
    }
    if (op->cancel_sent && st == "57014") {
      e.code = op->cancelled_by_user ? error_code::cancelled : error_code::deadline_exceeded;
      e.message = op->cancelled_by_user
                      ? "the operation was cancelled; the server cancelled the statement "
                        "(nothing applied)"
                      : "the call did not finish within its deadline of " +
                            std::to_string(op->budget_ms) +
                            " ms; the server cancelled the statement (nothing applied)";
    }
    e.outcome = outcome::refused;
    complete(std::move(op), std::move(e));
  }

  // ---- completion -----------------------------------------------------------------------

  void complete(std::unique_ptr<async_op> op, result<rows> r) {
    auto slot = boost::asio::get_associated_cancellation_slot(op->handler);
    if (slot.is_connected()) slot.clear();
    // Posted to the connection's executor (never inline: the handler may start the next
    // operation or drop the connection).
    boost::asio::post(ex_, [h = std::move(op->handler), r = std::move(r)]() mutable {
      std::move(h)(std::move(r));
    });
  }

  // Every operation in flight fails: those whose statement reached the socket may have been
  // applied; the connection is closed for good (a pool replaces it).
  void fail_all(const std::string& why) {
    broken_ = true;
    broken_why_ = "the connection failed: " + why;
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& op : pending) {
      if (op->abandoned) continue;
      const bool sent = op->seq < flushed_seq_;
      error e = async_error(error_code::database_error,
                            broken_why_ + (sent ? " (the statement was sent: it may have been "
                                                  "applied)"
                                                : " (the statement was not sent)"),
                            sent ? outcome::maybe_applied : outcome::not_sent);
      e.server.sqlstate = "08006";
      complete(std::move(op), std::move(e));
    }
    auto held = std::move(held_back_);
    held_back_.clear();
    for (auto& op : held)
      complete(std::move(op),
               async_error(error_code::database_error,
                           broken_why_ + " (the statement was not sent)", outcome::not_sent));
    release_socket();
    grant();
  }

  void release_socket() {
    timer_.cancel();
    armed_ms_ = 0;
    if (sock_) {
      boost::system::error_code ignored;
      sock_->cancel(ignored);
      (void)sock_->release();  // the descriptor belongs to libpq
      sock_.reset();
    }
  }

  void close_now() {
    if (auto c = std::exchange(connector_, nullptr)) c->abort();  // completes the connect
    if (!conn_) return;
    if (!pending_.empty() || !held_back_.empty()) fail_all("closed with operations in flight");
    release_socket();
    PQfinish(conn_);
    conn_ = nullptr;
    broken_ = true;
    if (broken_why_.empty()) broken_why_ = "the connection is closed";
  }

  // ---- connecting -----------------------------------------------------------------------

  boost::asio::any_completion_handler<void(result<void>)> connect_handler_;
  std::shared_ptr<async_connector> connector_;

  void begin_connect(boost::asio::any_completion_handler<void(result<void>)> h,
                     const std::string& conninfo) {
    connect_handler_.swap(h);  // (Boost 1.81's move assignment of any_completion_handler recurses)
    if (conn_ || connector_) {
      connect_done(async_error(error_code::database_error, "already connected or connecting",
                               outcome::not_sent));
      return;
    }
    connector_ = std::make_shared<async_connector>(ex_, options_,
                                                   [w = weak_from_this()](PGconn* c, error e) {
                                                     auto self = w.lock();
                                                     if (!self) {
                                                       if (c) PQfinish(c);
                                                       return;
                                                     }
                                                     self->connector_.reset();
                                                     if (!c) {
                                                       self->connect_done(std::move(e));
                                                       return;
                                                     }
                                                     self->conn_ = c;
                                                     self->sock_.emplace(self->ex_, PQsocket(c));
                                                     self->broken_ = false;
                                                     self->broken_why_.clear();
                                                     self->prepared_.clear();
                                                     self->next_seq_ = self->flushed_seq_ = 0;
                                                     self->connect_done({});
                                                   });
    connector_->start(conninfo);
  }

  void connect_done(result<void> r) {
    boost::asio::post(ex_, [h = std::move(connect_handler_), r = std::move(r)]() mutable {
      std::move(h)(std::move(r));
    });
  }

  // ---- deadlines and cancellation -------------------------------------------------------

  void arm(long long at_ms) {
    if (at_ms == 0 || (armed_ms_ != 0 && armed_ms_ <= at_ms)) return;
    armed_ms_ = at_ms;
    timer_.expires_after(std::chrono::milliseconds(at_ms - monotonic_ms()));
    timer_.async_wait([self = shared_from_this(), at_ms](const boost::system::error_code& ec) {
      if (ec || self->armed_ms_ != at_ms) return;
      self->armed_ms_ = 0;
      self->on_deadline();
    });
  }

  void on_deadline() {
    const long long now = monotonic_ms();
    long long next = 0;
    for (std::size_t i = 0; i < pending_.size() && is_open(); ++i) {
      async_op& op = *pending_[i];
      if (op.abandoned || op.deadline_ms == 0) continue;
      if (op.deadline_ms > now) {
        if (next == 0 || op.deadline_ms < next) next = op.deadline_ms;
        continue;
      }
      if (i == 0 && op.cancel_sent) {
        // No answer to the cancel within the grace period: a frozen server or network.
        auto op_ptr = std::move(pending_.front());
        pending_.pop_front();
        op_ptr->abandoned = true;
        error e = deadline_error(op_ptr->budget_ms, outcome::maybe_applied, false);
        complete_abandoned(*op_ptr, std::move(e));
        fail_all("no answer after a cancel request (deadline passed)");
        return;
      }
      if (i == 0) {
        request_cancel(op);
        op.deadline_ms = now + options_.cancel_grace_ms;
        if (next == 0 || op.deadline_ms < next) next = op.deadline_ms;
        continue;
      }
      // Still queued behind others: answered now; its statement is on its way and may run.
      op.abandoned = true;
      error e = async_error(error_code::deadline_exceeded,
                            "the call did not finish within its deadline of " +
                                std::to_string(op.budget_ms) +
                                " ms; it was still queued behind other statements on its "
                                "connection, which may still run it",
                            outcome::maybe_applied);
      complete_abandoned(op, std::move(e));
    }
    for (auto it = held_back_.begin(); it != held_back_.end();) {
      async_op& op = **it;
      if (op.deadline_ms == 0 || op.deadline_ms > now) {
        if (op.deadline_ms != 0 && (next == 0 || op.deadline_ms < next)) next = op.deadline_ms;
        ++it;
        continue;
      }
      auto taken = std::move(*it);
      it = held_back_.erase(it);
      const int budget = taken->budget_ms;
      complete(
          std::move(taken),
          async_error(error_code::deadline_exceeded,
                      "the call did not finish within its deadline of " + std::to_string(budget) +
                          " ms; it waited for its connection, held by a transaction, and "
                          "was not sent",
                      outcome::not_sent));
    }
    if (next != 0) arm(next);
  }

  void complete_abandoned(async_op& op, result<rows> r) {
    auto holder = std::make_unique<async_op>();
    holder->handler.swap(op.handler);
    complete(std::move(holder), std::move(r));
  }

  void request_cancel(async_op& op) {
    if (op.cancel_sent) return;
    op.cancel_sent = true;
    PGcancel* cn = PQgetCancel(conn_);
    if (!cn) return;
    boost::asio::post(cancel_thread(), [cn] {
      char buf[256];
      (void)PQcancel(cn, buf, sizeof buf);
      PQfreeCancel(cn);
    });
  }

  // Asio's per-operation cancellation: the statement at the head of the pipeline (running on
  // the server) gets a cancel request and completes when the server answers; one still queued
  // is answered at once (its statement may still run).
  void watch_cancellation(async_op* op) {
    auto slot = boost::asio::get_associated_cancellation_slot(op->handler);
    if (!slot.is_connected()) return;
    slot.assign([w = weak_from_this(), op](boost::asio::cancellation_type) {
      auto self = w.lock();
      if (!self) return;
      self->cancel_op(op);
    });
  }

  void cancel_op(async_op* target) {
    for (auto it = held_back_.begin(); it != held_back_.end(); ++it) {
      if (it->get() != target) continue;
      auto taken = std::move(*it);
      held_back_.erase(it);
      complete(std::move(taken), async_error(error_code::cancelled,
                                             "the operation was cancelled while it waited for "
                                             "its connection, held by a transaction (not sent)",
                                             outcome::not_sent));
      return;
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      async_op& op = *pending_[i];
      if (&op != target) continue;
      if (op.abandoned) return;
      op.cancelled_by_user = true;
      if (i == 0) {
        request_cancel(op);
        const long long grace = monotonic_ms() + options_.cancel_grace_ms;
        op.deadline_ms = op.deadline_ms == 0 || grace < op.deadline_ms ? grace : op.deadline_ms;
        arm(op.deadline_ms);
        return;
      }
      op.abandoned = true;
      complete_abandoned(op, async_error(error_code::cancelled,
                                         "the operation was cancelled while queued behind "
                                         "other statements on its connection, which may "
                                         "still run it",
                                         outcome::maybe_applied));
      return;
    }
  }
};

}  // namespace detail
}  // namespace typedao::pg

#endif
