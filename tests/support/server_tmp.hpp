// typedao_test::pg_server_tmp: a PostgreSQL server of the test's own (initdb into a temporary
// folder, listening on a free port of 127.0.0.1 and a socket in that folder), for faults that
// must not touch the shared test server: stopping it (fast or immediate) and starting it again
// under load; a streaming replica of one (pg_basebackup). typedao_test::spawn_server runs a server
// program as a child that dies with the test process (also when the test is killed outright:
// PR_SET_PDEATHSIG), as the postgres user when the test runs as root. pgbouncer_tmp uses it too.
#ifndef TYPEDAO_TEST_SERVER_TMP_HPP
#define TYPEDAO_TEST_SERVER_TMP_HPP

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace typedao_test {

/// Starts `args` (args[0]: the program's path) as a child process, as the postgres user when
/// running as root, with stdout and stderr appended to `log`; the child gets SIGKILL if the
/// calling thread ends (keep it the test's main thread). Returns its pid.
inline pid_t spawn_server(const std::vector<std::string>& args, const std::string& log) {
  uid_t uid = 0;
  gid_t gid = 0;
  const bool as_root = ::geteuid() == 0;
  if (as_root) {
    const passwd* pw = ::getpwnam("postgres");
    REQUIRE(pw != nullptr);  // the postgresql package creates the user
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // only async-signal-safe calls until exec
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    if (as_root && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0))
      ::_exit(126);
    // After the change of user, which clears it.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

/// Waits at most `ms` for the child to exit; its status, or -1 if it did not.
inline int wait_child(pid_t pid, int ms) {
  for (int i = 0; i < ms / 10 + 1; ++i) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    ::usleep(10'000);
  }
  return -1;
}

/// A free TCP port of 127.0.0.1 (free when asked).
inline int free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Removes /tmp/<prefix>* folders left by test processes that were killed outright (no
// destructor ran): those whose `pid_file` is missing or names no live process, and that are
// older than ten minutes (a folder being set up has no pid file yet).
inline void remove_stale(const std::string& prefix, const std::string& pid_file) {
  const std::string cmd =
      "for d in /tmp/" + prefix +
      ".*; do [ -d \"$d\" ] || continue; "
      "p=$(head -n1 \"$d/" +
      pid_file +
      "\" 2>/dev/null); "
      "if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null; then continue; fi; "
      "[ -n \"$(find \"$d\" -maxdepth 0 -mmin +10)\" ] && rm -rf \"$d\"; done; true";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "remove_stale: %s failed\n", prefix.c_str());
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct replica_of_t {
  explicit replica_of_t() = default;
};
/// Tag: pg_server_tmp(replica_of, primary) makes a streaming replica of `primary`.
inline constexpr replica_of_t replica_of{};

class pg_server_tmp {
 public:
  pg_server_tmp() {
    make_dir();
    const pid_t init = spawn_server({bindir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres",
                                     "--auth=trust", "--encoding=UTF8", "--locale=C", "-N"},
                                    dir_ + "/initdb.log");
    const int status = wait_child(init, 120'000);
    INFO(read_file(dir_ + "/initdb.log"));
    REQUIRE((status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0));
    start();
  }

  /// A streaming replica of `primary` (pg_basebackup -R: hot standby, read-only), started.
  pg_server_tmp(replica_of_t, const pg_server_tmp& primary) {
    make_dir();
    const pid_t copy = spawn_server(
        {bindir_ + "/pg_basebackup", "-D", dir_ + "/data", "-h", "127.0.0.1", "-p",
         std::to_string(primary.port_), "-U", "postgres", "-R", "-X", "stream", "-c", "fast"},
        dir_ + "/basebackup.log");
    const int status = wait_child(copy, 120'000);
    INFO(read_file(dir_ + "/basebackup.log"));
    REQUIRE((status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0));
    start();
  }
  pg_server_tmp(const pg_server_tmp&) = delete;
  pg_server_tmp& operator=(const pg_server_tmp&) = delete;

  ~pg_server_tmp() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);
      if (wait_child(pid_, 30'000) < 0) {
        ::kill(pid_, SIGKILL);
        wait_child(pid_, 5'000);
      }
    }
    const std::string rm = "rm -rf '" + dir_ + "'";
    if (std::system(rm.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir_.c_str());
  }

  /// Starts the server (again, on the same port) and waits until it accepts connections.
  void start() {
    REQUIRE(pid_ == 0);
    pid_ = spawn_server({bindir_ + "/postgres", "-D", dir_ + "/data", "-p", std::to_string(port_),
                         "-k", dir_, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                         "full_page_writes=off", "-c", "max_connections=50"},
                        dir_ + "/server.log");
    for (int i = 0; i < 3000; ++i) {  // at most 30 s
      if (PQping(conninfo().c_str()) == PQPING_OK) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        FAIL("the server exited at start; its log: " << log());
      }
      ::usleep(10'000);
    }
    FAIL("the server did not start accepting connections; its log: " << log());
  }

  /// Stops the server: `fast` (SIGINT: active sessions are ended, a clean shutdown) or
  /// immediate (SIGQUIT: no checkpoint, crash recovery at the next start).
  void stop(bool fast = true) {
    REQUIRE(pid_ > 0);
    ::kill(pid_, fast ? SIGINT : SIGQUIT);
    const int status = wait_child(pid_, 60'000);
    REQUIRE(status >= 0);
    pid_ = 0;
  }

  std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) +
           " user=postgres dbname=postgres sslmode=disable";
  }
  std::string log() const { return read_file(dir_ + "/server.log"); }

 private:
  static std::string find_bindir() {
    if (const char* d = std::getenv("TYPEDAO_PG_BINDIR")) return d;
    for (int v = 20; v >= 12; --v) {
      const std::string d = "/usr/lib/postgresql/" + std::to_string(v) + "/bin";
      if (::access((d + "/postgres").c_str(), X_OK) == 0) return d;
    }
    FAIL("PostgreSQL server binaries not found (scripts/deps.sh installs them)");
    return {};
  }

  void make_dir() {
    bindir_ = find_bindir();
    remove_stale("typedao-pgsrv", "data/postmaster.pid");
    char dir[] = "/tmp/typedao-pgsrv.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      REQUIRE(pw != nullptr);
      REQUIRE(::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) == 0);
    }
    port_ = free_local_port();
  }

  std::string bindir_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace typedao_test

#endif
