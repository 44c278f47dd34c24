#include "support/postgres_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace skillsync::testsupport {
namespace {

namespace fs = std::filesystem;

// Who the server runs as: ourselves, or `postgres` when we are root.
struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs run_as() {
  RunAs r;
  if (geteuid() != 0) return r;
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    throw std::runtime_error("running as root needs the `postgres` user (package postgresql-15)");
  }
  r.drop = true;
  r.uid = pw->pw_uid;
  r.gid = pw->pw_gid;
  return r;
}

// Forks and execs argv as `who`, output to `log`. With `die_with_parent`
// the child gets SIGQUIT when this thread's process dies. In the child only
// async-signal-safe calls happen (the parent may have threads).
pid_t spawn(const std::vector<std::string>& argv, const RunAs& who, const std::string& log,
            bool die_with_parent) {
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out >= 0) {
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
    }
    if (in >= 0) dup2(in, STDIN_FILENO);
    if (who.drop) {
      if (setgroups(1, &who.gid) != 0 || setgid(who.gid) != 0 || setuid(who.uid) != 0) _exit(126);
    }
    // After the uid change, which would clear it.
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGQUIT);
      if (getppid() != parent) _exit(1);
    }
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  return pid;
}

void run(const std::vector<std::string>& argv, const RunAs& who, const std::string& log) {
  const pid_t pid = spawn(argv, who, log, false);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " failed; see " + log + ":\n" + read_file(log));
  }
}

std::string find_bindir() {
  if (const char* env = std::getenv("SKILLSYNC_PG_BINDIR"); env != nullptr && env[0] != '\0') {
    return env;
  }
  if (fs::exists("/usr/lib/postgresql/15/bin/initdb")) return "/usr/lib/postgresql/15/bin";
  std::string out;
  if (FILE* p = popen("pg_config --bindir 2>/dev/null", "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.empty() || !fs::exists(out + "/initdb")) {
    throw std::runtime_error("no PostgreSQL server binaries (install postgresql-15)");
  }
  return out;
}

void chown_tree(const std::string& path, const RunAs& who) {
  if (!who.drop) return;
  if (chown(path.c_str(), who.uid, who.gid) != 0) {
    throw std::runtime_error("chown " + path + ": " + std::strerror(errno));
  }
  for (const auto& e : fs::recursive_directory_iterator(path)) {
    if (lchown(e.path().c_str(), who.uid, who.gid) != 0) {
      throw std::runtime_error("chown " + e.path().string() + ": " + std::strerror(errno));
    }
  }
}

// Makes `data` a fresh cluster: a copy of the cached template, or initdb
// (which then becomes the template).
void make_cluster(const std::string& bindir, const std::string& data, const RunAs& who,
                  const std::string& log) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp";
  const std::string tmpl = base + "/skillsync-pg-template-15-" + std::to_string(getuid());
  if (fs::exists(tmpl + "/PG_VERSION")) {
    std::error_code ec;
    fs::copy(tmpl, data, fs::copy_options::recursive, ec);
    if (!ec) {
      chown_tree(data, who);
      fs::permissions(data, fs::perms::owner_all, ec);
      return;
    }
    fs::remove_all(data, ec);  // a broken template: fall back to initdb
  }
  run({bindir + "/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
       "--locale=C", "--no-instructions"},
      who, log);
  // Publish the template atomically: copy, then rename; a concurrent
  // process that got there first wins and ours is dropped.
  std::error_code ec;
  const std::string staging = tmpl + ".tmp." + std::to_string(getpid());
  fs::copy(data, staging, fs::copy_options::recursive, ec);
  if (!ec) fs::rename(staging, tmpl, ec);
  if (ec) fs::remove_all(staging, ec);
}

bool ready(const std::string& conninfo) { return PQping(conninfo.c_str()) == PQPING_OK; }

}  // namespace

PostgresServer& PostgresServer::instance() {
  static PostgresServer server;
  return server;
}

PostgresServer::PostgresServer() : bindir_(find_bindir()) {
  const RunAs who = run_as();
  dir_ = std::make_unique<TempDir>("skillsync-pg-");
  const std::string data = dir_->file("data");
  const std::string log = dir_->file("server.log");
  chown_tree(dir_->path(), who);
  make_cluster(bindir_, data, who, log);
  // The port is free "a moment ago": another process may take it first, in
  // which case the server exits and we try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    postmaster_ =
        spawn({bindir_ + "/postgres", "-D", data, "-p", std::to_string(port_), "-c",
               "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir_->path(), "-c",
               "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
               "max_connections=200", "-c", "shared_buffers=32MB"},
              who, log, true);
    const std::string probe = uri("postgres");
    bool exited = false;
    const bool up = wait_until(
        [&] {
          int status = 0;
          if (waitpid(postmaster_, &status, WNOHANG) == postmaster_) {
            exited = true;
            return true;
          }
          return ready(probe);
        },
        std::chrono::seconds(30), std::chrono::milliseconds(10));
    if (up && !exited) return;
    if (!exited) {
      kill(postmaster_, SIGKILL);
      waitpid(postmaster_, nullptr, 0);
    }
    postmaster_ = -1;
  }
  throw std::runtime_error("PostgreSQL did not start; see " + log + ":\n" + read_file(log));
}

PostgresServer::~PostgresServer() {
  if (postmaster_ > 0) {
    kill(postmaster_, SIGQUIT);  // immediate shutdown: nothing to keep
    int status = 0;
    while (waitpid(postmaster_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // dir_ goes next, with the data directory.
}

std::string PostgresServer::uri(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PostgresServer::exec(const std::string& db, const std::string& sql) const {
  PGconn* c = PQconnectdb(uri(db).c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("connecting to the test server: " + message);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  std::string out;
  if (st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0) out = PQgetvalue(r, 0, 0);
  const std::string message = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("test server: " + message + " in: " + sql);
  }
  return out;
}

std::string PostgresServer::create_database() {
  const std::string name =
      "t_" + std::to_string(getpid()) + "_" + std::to_string(next_db_.fetch_add(1));
  // FILE_COPY: copying template1's few files beats WAL-logging them.
  exec("postgres", "CREATE DATABASE " + name + " STRATEGY FILE_COPY");
  return uri(name);
}

}  // namespace skillsync::testsupport
