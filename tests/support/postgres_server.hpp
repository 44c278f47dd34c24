// PostgresServer: a throwaway PostgreSQL 15 server for the tests of one
// process, started on first use and stopped (SIGQUIT: immediate shutdown)
// with its directory removed when the process exits.
//
// It listens on 127.0.0.1 only, on a free port, with its unix socket inside
// its temp dir, and runs with fsync, synchronous_commit and full_page_writes
// off: fast, and worthless after a crash, which is what a test wants. As
// root (initdb and postgres refuse to run as root) it runs as the `postgres`
// system user. The postmaster gets SIGQUIT if the test process dies, so a
// crashed test leaves no server behind.
//
// initdb takes about a second, so its result is kept as a template in
// $TMPDIR/skillsync-pg-template-15-<uid> and copied by later processes.
//
// Binaries: $SKILLSYNC_PG_BINDIR, else /usr/lib/postgresql/15/bin, else
// `pg_config --bindir`. Failures throw std::runtime_error (the environment
// is broken; a test can only report it).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

#include "support/process.hpp"

namespace skillsync::testsupport {

class PostgresServer {
 public:
  // The process's server, started by the first call.
  static PostgresServer& instance();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates an empty database (t_<pid>_<n>) and returns its libpq URI; each
  // test takes its own, so tests never see each other's rows.
  std::string create_database();
  // The libpq URI of database `db` as the superuser "postgres".
  std::string uri(const std::string& db) const;
  int port() const { return port_; }
  // Runs one SQL statement as superuser in database `db`; throws on error.
  // Returns the first column of the first row ("" when none).
  std::string exec(const std::string& db, const std::string& sql) const;

 private:
  PostgresServer();

  std::string bindir_;
  std::unique_ptr<TempDir> dir_;
  pid_t postmaster_ = -1;
  int port_ = 0;
  std::atomic<int> next_db_{0};
};

}  // namespace skillsync::testsupport
