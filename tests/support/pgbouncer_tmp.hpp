// typedao_test::pgbouncer_tmp: a throwaway pgbouncer (the Debian package) in front of the test
// server, started by the test itself and stopped when it ends, like scripts/pg-tmp's PostgreSQL.
// Transaction pooling, `pool_size` server connections per database, listening on a free port of
// 127.0.0.1; as root it runs as the postgres user (pgbouncer refuses root).
#ifndef TYPEDAO_TEST_PGBOUNCER_TMP_HPP
#define TYPEDAO_TEST_PGBOUNCER_TMP_HPP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace typedao_test {

class pgbouncer_tmp {
 public:
  explicit pgbouncer_tmp(const std::string& dbname, int pool_size) {
    const char* host = std::getenv("PGHOST");
    const char* port = std::getenv("PGPORT");
    const char* user = std::getenv("PGUSER");
    REQUIRE(host != nullptr);  // run under scripts/pg-tmp run -- ...
    REQUIRE(port != nullptr);
    user_ = user ? user : "postgres";
    dbname_ = dbname;
    const char* bin = nullptr;
    for (const char* b : {"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"})
      if (::access(b, X_OK) == 0) bin = b;
    if (!bin) FAIL("pgbouncer is not installed (scripts/deps.sh installs the Debian package)");
    char dir[] = "/tmp/typedao-bouncer.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    ::chmod(dir_.c_str(), 0777);  // the postgres user writes its log and pid file here
    port_ = free_port();
    {
      std::ofstream ini(dir_ + "/pgbouncer.ini");
      ini << "[databases]\n"
          << dbname << " = host=" << host << " port=" << port << " dbname=" << dbname
          << " user=" << user_ << "\n"
          << "[pgbouncer]\n"
          << "listen_addr = 127.0.0.1\nlisten_port = " << port_ << "\nunix_socket_dir =\n"
          << "auth_type = any\npool_mode = transaction\n"
          << "default_pool_size = " << pool_size << "\nmin_pool_size = 0\nreserve_pool_size = 0\n"
          << "max_client_conn = 500\nmax_db_connections = " << pool_size << "\n"
          << "server_reset_query =\nignore_startup_parameters = extra_float_digits\n"
          << "logfile = " << dir_ << "/pgbouncer.log\npidfile = " << dir_ << "/pgbouncer.pid\n";
    }
    const std::string ini_path = dir_ + "/pgbouncer.ini";
    std::vector<std::string> args;
    if (::geteuid() == 0) args = {"/usr/sbin/runuser", "-u", "postgres", "--"};
    args.push_back(bin);
    args.push_back(ini_path);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    // Wait (bounded) until it accepts connections.
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        FAIL("pgbouncer exited at start; its log: " << log());
      }
      if (accepts()) return;
      ::usleep(10'000);
    }
    FAIL("pgbouncer did not start listening; its log: " << log());
  }

  pgbouncer_tmp(const pgbouncer_tmp&) = delete;
  pgbouncer_tmp& operator=(const pgbouncer_tmp&) = delete;

  ~pgbouncer_tmp() {
    // The pid file names pgbouncer itself (runuser's child); stop both, then wait for runuser.
    std::ifstream pidfile(dir_ + "/pgbouncer.pid");
    int bouncer = 0;
    if (pidfile >> bouncer && bouncer > 0) ::kill(bouncer, SIGTERM);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 500 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(10'000);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, WNOHANG);
    }
    if (bouncer > 0) ::kill(bouncer, SIGKILL);
    for (const char* f : {"/pgbouncer.ini", "/pgbouncer.log", "/pgbouncer.pid"})
      ::unlink((dir_ + f).c_str());
    ::rmdir(dir_.c_str());
  }

  /// A libpq connection string to the database through pgbouncer.
  std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + dbname_ +
           " user=" + user_ + " sslmode=disable";
  }

  std::string log() const {
    std::ifstream f(dir_ + "/pgbouncer.log");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

 private:
  static int free_port() {
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

  bool accepts() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::string dir_;
  std::string dbname_;
  std::string user_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace typedao_test

#endif
