#ifndef TYPEDAO_PG_ASYNC_CONNECTION_HPP
#define TYPEDAO_PG_ASYNC_CONNECTION_HPP

// typedao::pg::async_connection: libpq in non-blocking pipeline mode, driven by a Boost.Asio
// executor through the connection's socket. Every statement is sent at once, in its own pipeline
// segment (prepare if needed, execute, sync), without waiting for the ones before it: many
// operations may be in flight on one connection, each completing with its own result, and an
// error in one does not fail the others (outside a transaction). Completion tokens in Asio's
// style; the completion signature is void(typedao::result<pg::rows>). docs/async.md.

#include <typedao/pg/async_impl.hpp>

#include <boost/asio/async_result.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace typedao::pg {

/// A libpq connection in pipeline mode on an Asio executor. Use it from that executor only (one
/// thread, or a strand). Move-only handle; the connection closes when the last handle and the
/// last operation in flight are gone.
class async_connection {
 public:
  using executor_type = boost::asio::any_io_executor;
  using rows_type = pg::rows;

  explicit async_connection(executor_type ex, connection_options o = {})
      : impl_(std::make_shared<detail::async_impl>(std::move(ex), std::move(o))) {}
  async_connection(async_connection&&) noexcept = default;
  async_connection& operator=(async_connection&&) noexcept = default;
  ~async_connection() {
    if (impl_) impl_->close_now();
  }

  executor_type get_executor() const noexcept { return impl_->ex_; }
  bool is_open() const noexcept { return impl_->is_open(); }
  /// Statements sent and not yet answered.
  std::size_t in_flight() const noexcept { return impl_->pending_.size(); }
  const connection_options& options() const noexcept { return impl_->options_; }
  PGconn* native_handle() const noexcept { return impl_->conn_; }
  /// Fails what is in flight (not_sent or maybe_applied) and closes the connection.
  void close() { impl_->close_now(); }

  /// Connects without blocking the executor (connect_timeout_s bounds it), runs init_sql, and
  /// enters pipeline mode. Completion: void(typedao::result<void>).
  template <class Token>
  auto async_connect(std::string conninfo, Token&& token);

  /// Sends one statement (prepared under its text-derived name on first use on this
  /// connection) and completes with its rows, binary both ways. The statement and the
  /// parameters must stay valid until the completion. Completion: void(result<pg::rows>).
  template <class Token>
  auto async_execute(const statement& s, param_view p, exec_options o, Token&& token) {
    return boost::asio::async_initiate<Token, void(result<rows>)>(
        [impl = impl_](auto handler, const statement* s, param_view p, exec_options o) {
          auto op = std::make_unique<detail::async_op>();
          detail::async_op::handler_type h(std::move(handler));
          op->handler.swap(h);
          op->stmt = s;
          op->params = p;
          impl->start(std::move(op), o);
        },
        token, &s, p, o);
  }
  template <class Token>
  auto async_execute(const statement& s, param_view p, Token&& token) {
    return async_execute(s, p, exec_options{}, std::forward<Token>(token));
  }

  /// One SQL statement without parameters (BEGIN, COMMIT, SAVEPOINT ...; the extended protocol
  /// takes one statement at a time). Completion: void(result<pg::rows>).
  template <class Token>
  auto async_execute_script(std::string sql, exec_options o, Token&& token) {
    return boost::asio::async_initiate<Token, void(result<rows>)>(
        [impl = impl_](auto handler, std::string sql, exec_options o) {
          auto op = std::make_unique<detail::async_op>();
          detail::async_op::handler_type h(std::move(handler));
          op->handler.swap(h);
          op->script = std::move(sql);
          impl->start(std::move(op), o);
        },
        token, std::move(sql), o);
  }
  template <class Token>
  auto async_execute_script(std::string sql, Token&& token) {
    return async_execute_script(std::move(sql), exec_options{}, std::forward<Token>(token));
  }

  /// Exclusive use of a connection others share (a transaction on it): until the hold ends,
  /// statements sent without its id (exec_options::hold) wait unsent, in order -- their
  /// deadlines run and they can be cancelled (both answer not_sent) -- and are sent when it
  /// ends. Granted once every statement in flight has been answered, first come first served.
  class hold {
   public:
    hold() = default;
    hold(hold&& o) noexcept : impl_(std::move(o.impl_)), id_(std::exchange(o.id_, 0)) {}
    hold& operator=(hold&& o) noexcept {
      if (this != &o) {
        release();
        impl_ = std::move(o.impl_);
        id_ = std::exchange(o.id_, 0);
      }
      return *this;
    }
    ~hold() { release(); }
    /// The id to put in exec_options::hold (0 once released).
    unsigned long long id() const noexcept { return id_; }
    /// Ends the hold: the statements others sent meanwhile go now.
    void release() noexcept {
      if (impl_ && id_ != 0) impl_->release_hold(id_);
      id_ = 0;
      impl_.reset();
    }
    hold(std::shared_ptr<detail::async_impl> impl, unsigned long long id) noexcept
        : impl_(std::move(impl)), id_(id) {}

   private:
    std::shared_ptr<detail::async_impl> impl_;
    unsigned long long id_ = 0;
  };

  /// Waits for exclusive use (see hold). Completion: void(result<hold>).
  template <class Token>
  auto async_hold(Token&& token) {
    return boost::asio::async_initiate<Token, void(result<hold>)>(
        [impl = impl_](auto handler) {
          detail::async_impl::hold_handler h(
              [impl, h = std::move(handler)](result<unsigned long long> id) mutable {
                std::move(h)(result<hold>(hold(impl, *id)));
              });
          impl->request_hold(std::move(h));
        },
        token);
  }

  /// Collects the statements sent until the returned guard ends into one write (a batch).
  class cork {
   public:
    explicit cork(async_connection& c) : impl_(c.impl_) { ++impl_->corked_; }
    ~cork() {
      if (--impl_->corked_ == 0) impl_->flush();
    }
    cork(const cork&) = delete;
    cork& operator=(const cork&) = delete;

   private:
    std::shared_ptr<detail::async_impl> impl_;
  };

 private:
  std::shared_ptr<detail::async_impl> impl_;
};

template <class Token>
auto async_connection::async_connect(std::string conninfo, Token&& token) {
  return boost::asio::async_initiate<Token, void(result<void>)>(
      [impl = impl_](auto handler, std::string conninfo) {
        impl->begin_connect(std::move(handler), conninfo);
      },
      token, std::move(conninfo));
}

}  // namespace typedao::pg

#endif
