// typedao_test::pgbouncer_tmp: a throwaway pgbouncer (the Debian package) in front of the test
// server, started by the test itself and stopped when it ends, like scripts/pg-tmp's PostgreSQL.
// Transaction pooling, `pool_size` server connections per database, listening on a free port of
// 127.0.0.1; as root it runs as the postgres user (pgbouncer refuses root). It is a child of the
// test process and dies with it (server_tmp.hpp's spawn_server).
#ifndef TYPEDAO_TEST_PGBOUNCER_TMP_HPP
#define TYPEDAO_TEST_PGBOUNCER_TMP_HPP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server_tmp.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
    remove_stale("typedao-bouncer", "pgbouncer.pid");
    char dir[] = "/tmp/typedao-bouncer.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    ::chmod(dir_.c_str(), 0777);  // the postgres user writes its log and pid file here
    port_ = free_local_port();
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
    // A child of this process (as the postgres user when root): it dies with the test.
    pid_ = spawn_server({bin, dir_ + "/pgbouncer.ini"}, dir_ + "/stderr.log");
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
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      if (wait_child(pid_, 5'000) < 0) {
        ::kill(pid_, SIGKILL);
        wait_child(pid_, 5'000);
      }
    }
    for (const char* f : {"/pgbouncer.ini", "/pgbouncer.log", "/pgbouncer.pid", "/stderr.log"})
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
