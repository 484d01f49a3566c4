// A second gateway node for the events tests: listens for change events (pg::event_listener)
// and prints one line per event on stdout, flushed, with its receive time:
//   READY                                        once subscribed
//   EVENT <monotonic_us> <op> <entity> <key> <cascaded_from or ->
//   GAP <monotonic_us>                           after its connection was lost and made again
// Usage: typedao_event_node <conninfo> <notify|table> <poll_interval_ms> <channel>. Ends on
// SIGTERM.

#include <typedao/pg.hpp>

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

std::atomic<bool> stop{false};

long long monotonic_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s <conninfo> <notify|table> <poll_interval_ms> <channel>\n",
                 argv[0]);
    return 2;
  }
  ::signal(SIGTERM, [](int) { stop = true; });
  typedao::pg::listener_options o;
  o.conninfo = argv[1];
  o.events.transport = std::string(argv[2]) == "table" ? typedao::event_transport::table
                                                       : typedao::event_transport::notify;
  o.poll_interval_ms = std::atoi(argv[3]);
  o.events.channel = argv[4];
  typedao::pg::event_listener listener(o, [](const typedao::change_event& e) {
    if (e.gap) {
      std::printf("GAP %lld\n", monotonic_us());
    } else {
      std::printf("EVENT %lld %s %s %s %s\n", monotonic_us(),
                  std::string(typedao::change_name(e.op)).c_str(), e.entity.c_str(), e.key.c_str(),
                  e.cascaded_from.empty() ? "-" : e.cascaded_from.c_str());
    }
    std::fflush(stdout);
  });
  if (!listener.wait_ready(30'000)) return 1;
  std::printf("READY\n");
  std::fflush(stdout);
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return 0;
}
