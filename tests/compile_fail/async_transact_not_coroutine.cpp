// expect: typedao::async_transact: the function must be a coroutine returning boost::asio::awaitable<typedao::result<T>>
// async_transact runs its function as a coroutine in a transaction and commits on success: a
// function that returns a plain result (not awaitable) is refused with a message that says so.
#include <typedao/async.hpp>
#include <typedao/typedao.hpp>

#include <string>

struct Service {
  typedao::uuid id;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, host))
TYPEDAO_ENTITY(Service, "services")

void unit(typedao::pg::async_pool& pool) {
  typedao::async_database<Service> db(pool);
  (void)db.transact([](auto&) { return typedao::result<int>(1); });
}

int main() {}
