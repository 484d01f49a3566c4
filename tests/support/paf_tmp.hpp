// typedao_test::paf_formation: a pg_auto_failover formation of the test's own -- a monitor and
// two PostgreSQL nodes (primary and synchronous secondary) run by pg_autoctl, in a temporary
// folder, on free ports of 127.0.0.1, as the postgres user when the test runs as root. The
// monitor's health checks are made fast (failures noticed in about a second, a dead primary
// given up after two) so a failover takes seconds, not the default half minute. kill_node()
// kills a node outright (its keeper and its postmaster: SIGKILL), as a crashed machine would.
#ifndef TYPEDAO_TEST_PAF_TMP_HPP
#define TYPEDAO_TEST_PAF_TMP_HPP

#include "server_tmp.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

namespace typedao_test {

class paf_formation {
 public:
  paf_formation() {
    remove_stale_formations();
    char dir[] = "/tmp/typedao-paf.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    {
      std::ofstream owner(dir_ + "/owner.pid");
      owner << ::getpid() << '\n';
    }
    try {
      start();
    } catch (...) {  // a failed start: nothing may be left running
      cleanup();
      throw;
    }
  }
  paf_formation(const paf_formation&) = delete;
  paf_formation& operator=(const paf_formation&) = delete;
  ~paf_formation() { cleanup(); }

 private:
  void start() {
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      REQUIRE(pw != nullptr);
      REQUIRE(::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) == 0);
    }
    bindir_ = find_bindir();
    monitor_port_ = free_local_port();
    ports_[0] = free_local_port();
    ports_[1] = free_local_port();
    // The monitor: created, then run.
    const pid_t made =
        spawn_server(autoctl({"create", "monitor", "--pgdata", dir_ + "/monitor", "--pgport",
                              std::to_string(monitor_port_), "--hostname", "127.0.0.1", "--auth",
                              "trust", "--no-ssl", "--pgctl", bindir_ + "/pg_ctl"}),
                     dir_ + "/monitor-create.log");
    const int status = wait_child(made, 120'000);
    INFO(read_file(dir_ + "/monitor-create.log"));
    REQUIRE((status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0));
    keepers_.push_back(
        spawn_server(autoctl({"run", "--pgdata", dir_ + "/monitor"}), dir_ + "/monitor.log"));
    wait_until([&] { return query(monitor_conninfo(), "SELECT 1") == "1"; }, 30'000,
               "the monitor did not start");
    for (const char* sql :
         {"ALTER SYSTEM SET pgautofailover.health_check_period = 500",
          "ALTER SYSTEM SET pgautofailover.health_check_timeout = 500",
          "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 200",
          "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1",
          "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 1000",
          "ALTER SYSTEM SET pgautofailover.startup_grace_period = 1000",
          "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 2000",
          "SELECT pg_reload_conf()"})
      query(monitor_conninfo(), sql);
    // The nodes, one after the other: the first becomes the primary, the second its secondary.
    for (int n = 0; n < 2; ++n) {
      const std::string name = "node" + std::to_string(n + 1);
      keepers_.push_back(spawn_server(
          autoctl({"create", "postgres", "--pgdata", dir_ + "/" + name, "--pgport",
                   std::to_string(ports_[n]), "--hostname", "127.0.0.1", "--auth", "trust",
                   "--no-ssl", "--name", name, "--pgctl", bindir_ + "/pg_ctl", "--monitor",
                   "postgres://autoctl_node@127.0.0.1:" + std::to_string(monitor_port_) +
                       "/pg_auto_failover?sslmode=disable",
                   "--run"}),
          dir_ + "/" + name + ".log"));
      const std::string want = n == 0 ? "single" : "secondary";  // a node alone is "single"
      wait_until([&] { return state(n + 1) == want + "/" + want; }, 120'000,
                 name + " did not become " + want);
    }
    wait_until([&] { return state(1) == "primary/primary"; }, 60'000, "node1 is not primary");
  }

  void cleanup() noexcept {
    for (pid_t p : keepers_)
      if (p > 0) ::kill(p, SIGTERM);
    for (pid_t p : keepers_)
      if (p > 0 && wait_child(p, 20'000) < 0) {
        ::kill(p, SIGKILL);
        wait_child(p, 5'000);
      }
    // Whatever postmaster is left (a killed keeper leaves its postgres running).
    for (const char* d : {"node1", "node2", "monitor"}) {
      const std::string pidfile = dir_ + "/" + d + "/postmaster.pid";
      const std::string pid = read_file(pidfile).substr(0, read_file(pidfile).find('\n'));
      if (!pid.empty() && std::atoi(pid.c_str()) > 0) ::kill(std::atoi(pid.c_str()), SIGKILL);
    }
    // And the keepers' helper processes (renamed "pg_autoctl: ..."), found by their settings.
    kill_helpers(dir_);
    const std::string rm = "sleep 0.2; rm -rf '" + dir_ + "'";
    if (std::system(rm.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir_.c_str());
  }

  static void kill_helpers(const std::string& dir) {
    const std::string cmd =
        "for p in $(pgrep -f pg_autoctl); do tr '\\0' '\\n' < /proc/$p/environ "
        "2>/dev/null | grep -qx 'XDG_CONFIG_HOME=" +
        dir + "/config' && kill -9 $p; done; true";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "kill_helpers failed\n");
  }

  // Formations of test processes that were killed outright (their owner is gone): their
  // keepers and postmasters are killed, their folders removed.
  static void remove_stale_formations() {
    const char* cmd =
        "for d in /tmp/typedao-paf.*; do [ -d \"$d\" ] || continue; "
        "o=$(head -n1 \"$d/owner.pid\" 2>/dev/null); "
        "if [ -n \"$o\" ] && kill -0 \"$o\" 2>/dev/null; then continue; fi; "
        "[ -z \"$o\" ] && [ -z \"$(find \"$d\" -maxdepth 0 -mmin +10)\" ] && continue; "
        "for p in $(pgrep -f pg_autoctl); do tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null "
        "| grep -qx \"XDG_CONFIG_HOME=$d/config\" && kill -9 $p; done; "
        "for n in monitor node1 node2; do p=$(head -n1 \"$d/$n/postmaster.pid\" 2>/dev/null); "
        "[ -n \"$p\" ] && kill -9 \"$p\" 2>/dev/null; done; rm -rf \"$d\"; done; true";
    if (std::system(cmd) != 0) std::fprintf(stderr, "remove_stale_formations failed\n");
  }

 public:
  /// node: 1 or 2.
  std::string node_conninfo(int node) const {
    return "host=127.0.0.1 port=" + std::to_string(ports_[node - 1]) +
           " user=postgres dbname=postgres sslmode=disable connect_timeout=2";
  }
  /// Both nodes; libpq picks the one that accepts writes.
  std::string conninfo() const {
    return "host=127.0.0.1,127.0.0.1 port=" + std::to_string(ports_[0]) + "," +
           std::to_string(ports_[1]) +
           " user=postgres dbname=postgres sslmode=disable target_session_attrs=read-write "
           "connect_timeout=2";
  }
  std::string monitor_conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(monitor_port_) +
           " user=postgres dbname=pg_auto_failover sslmode=disable connect_timeout=2";
  }

  /// "<reported>/<assigned>" of a node, as the monitor has it ("" when it cannot say).
  std::string state(int node) const {
    return query(monitor_conninfo(),
                 "SELECT reportedstate || '/' || goalstate FROM "
                 "pgautofailover.node WHERE nodename = 'node" +
                     std::to_string(node) + "'");
  }

  /// Kills node `node` outright: its keeper (pg_autoctl) and its postmaster, SIGKILL.
  void kill_node(int node) {
    const std::string pidfile = dir_ + "/node" + std::to_string(node) + "/postmaster.pid";
    const std::string text = read_file(pidfile);
    const int pg = std::atoi(text.substr(0, text.find('\n')).c_str());
    REQUIRE(pg > 0);
    pid_t& keeper = keepers_[static_cast<std::size_t>(node)];  // keepers_[0] is the monitor's
    ::kill(keeper, SIGKILL);
    ::kill(pg, SIGKILL);
    wait_child(keeper, 5'000);
    keeper = 0;
  }

  /// One value of a one-statement query ("" on any failure).
  static std::string query(const std::string& conninfo, const std::string& sql) {
    PGconn* c = PQconnectdb(conninfo.c_str());
    std::string out;
    if (PQstatus(c) == CONNECTION_OK) {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0)
        out = PQgetvalue(r, 0, 0);
      else if (PQresultStatus(r) == PGRES_COMMAND_OK)
        out = "ok";
      PQclear(r);
    }
    PQfinish(c);
    return out;
  }

  std::string logs() const {
    return read_file(dir_ + "/monitor.log") + read_file(dir_ + "/node1.log") +
           read_file(dir_ + "/node2.log");
  }

 private:
  std::vector<std::string> autoctl(std::vector<std::string> args) const {
    // (The test's own PG* variables name the shared test server: not for pg_autoctl.)
    std::vector<std::string> out = {"/usr/bin/env",
                                    "-u",
                                    "PGHOST",
                                    "-u",
                                    "PGPORT",
                                    "-u",
                                    "PGUSER",
                                    "-u",
                                    "PGDATABASE",
                                    "-u",
                                    "PGDATA",
                                    "-u",
                                    "PGOPTIONS",
                                    "XDG_CONFIG_HOME=" + dir_ + "/config",
                                    "XDG_DATA_HOME=" + dir_ + "/data",
                                    "PG_AUTOCTL_DEBUG=0",
                                    "/usr/bin/pg_autoctl"};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  template <class F>
  void wait_until(F ready, int ms, const std::string& what) {
    for (int i = 0; i < ms / 50; ++i) {
      if (ready()) return;
      ::usleep(50'000);
    }
    INFO(logs());
    FAIL(what);
  }

  static std::string find_bindir() {
    for (int v = 20; v >= 12; --v) {
      const std::string d = "/usr/lib/postgresql/" + std::to_string(v) + "/bin";
      if (::access((d + "/pg_ctl").c_str(), X_OK) == 0) return d;
    }
    FAIL("PostgreSQL server binaries not found (scripts/deps.sh installs them)");
    return {};
  }

  std::string dir_, bindir_;
  int monitor_port_ = 0;
  int ports_[2] = {0, 0};
  std::vector<pid_t> keepers_;  // pg_autoctl run: the monitor's, node1's, node2's
};

}  // namespace typedao_test

#endif
