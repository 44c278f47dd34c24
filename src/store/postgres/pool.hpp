// ConnectionPool: the PostgresStore's connections to its database.
//
// A connection is used by one thread at a time. The pool hands out an idle
// connection or opens a new one, up to `max_open`; beyond that, acquire()
// waits for one to come back (and fails with "storage_busy" after
// `wait`), so many threads and many processes cannot exhaust the server's
// max_connections. An open TaskWriter holds one connection for its life.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "store/postgres/pg.hpp"
#include "store/sql_values.hpp"

namespace skillsync::store::postgres {

class ConnectionPool;

// A connection on loan from the pool; returned when destroyed. A broken
// connection, or one left inside a transaction that cannot be rolled back,
// is closed instead.
class PooledConn {
 public:
  PooledConn(ConnectionPool* pool, PgConn conn) : pool_(pool), conn_(std::move(conn)) {}
  PooledConn(PooledConn&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) {
    o.pool_ = nullptr;
  }
  PooledConn& operator=(PooledConn&&) = delete;
  PooledConn(const PooledConn&) = delete;
  ~PooledConn();

  const PgConn& operator*() const { return conn_; }
  const PgConn* operator->() const { return &conn_; }

 private:
  ConnectionPool* pool_;
  PgConn conn_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, std::string password, size_t max_open = 16,
                 size_t max_idle = 4,
                 std::chrono::milliseconds wait = std::chrono::milliseconds(30'000))
      : conninfo_(std::move(conninfo)),
        password_(std::move(password)),
        max_open_(max_open),
        max_idle_(max_idle),
        wait_(wait) {}

  // Statements take $1, $2, ... (store/sql_text.hpp).
  static constexpr char kPlaceholder = '$';
  // Row locks: a claim picks its row FOR UPDATE SKIP LOCKED, so concurrent
  // claims never block on or take the same row.
  static constexpr bool kRowLocks = true;

  Result<PooledConn> acquire();
  // Runs one statement on a connection of its own (autocommit), for a call
  // that needs no more.
  Result<PgResult> exec(const char* sql, const Params& params = Params());
  Result<PgResult> exec(const std::string& sql, const Params& params = Params()) {
    return exec(sql.c_str(), params);
  }
  // The same with `args` as the parameters (store/sql_values.hpp), and the
  // result read: its first row with `read` (nullopt when none), every row
  // with `read`, or the number of rows it changed.
  template <class T, class Read, class... Args>
  Result<std::optional<T>> one(const char* sql, Read read, const Args&... args) {
    Params p;
    SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, exec(sql, bind_values(p, args...)));
    return r.one<T>(read);
  }
  template <class T, class Read, class... Args>
  Result<std::vector<T>> all(const char* sql, Read read, const Args&... args) {
    Params p;
    SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, exec(sql, bind_values(p, args...)));
    return r.all<T>(read);
  }
  template <class... Args>
  Result<uint64_t> run(const char* sql, const Args&... args) {
    Params p;
    SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, exec(sql, bind_values(p, args...)));
    return r.affected();
  }
  // The same, calling `f(row)` for every row.
  template <class F, class... Args>
  Status each(const char* sql, F f, const Args&... args) {
    Params p;
    SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, exec(sql, bind_values(p, args...)));
    r.for_each(f);
    return ok_status();
  }

  // Runs `body(conn)` in one transaction on a connection of its own:
  // commits when it returns a value, rolls back when it returns an error.
  // Returns what `body` returned (a Result), or the commit's error.
  template <class Body>
  std::invoke_result_t<Body&, const PgConn&> transact(Body body) {
    SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, acquire());
    SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(*conn));
    auto out = body(*conn);
    if (out.ok()) SKILLSYNC_TRY(tx.commit());
    return out;
  }

  const std::string& conninfo() const { return conninfo_; }
  const std::string& password() const { return password_; }

 private:
  friend class PooledConn;
  void release(PgConn conn);

  const std::string conninfo_;
  const std::string password_;
  const size_t max_open_;
  const size_t max_idle_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<PgConn> idle_;
  size_t open_ = 0;  // idle + on loan
};

}  // namespace skillsync::store::postgres
