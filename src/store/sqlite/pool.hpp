// Connection and ConnectionPool: the SqliteStore's connections to its one
// database file.
//
// A Connection is used by one thread at a time and caches its prepared
// statements. The pool hands out idle connections and opens a new one when
// all are busy, so there is one connection per concurrent user (HTTP threads,
// worker threads, open TaskWriters); a few idle ones are kept for reuse.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "store/sql_values.hpp"
#include "store/sqlite/db.hpp"

namespace skillsync::store::sqlite {

// Every pooled connection's page cache ceiling (PRAGMA cache_size), KiB. A
// load's publish runs with a smaller one of its own (stage_merge.cpp).
inline constexpr int kPoolCacheKiB = 32 << 10;

class Connection {
 public:
  explicit Connection(Db db) : db_(std::move(db)) {}

  Db& db() { return db_; }
  // The cached prepared statement for `sql`, prepared on first use.
  // The caller resets it after use (see StmtReset).
  Result<Stmt*> cached(std::string_view sql);
  // The cached statement for `sql` as a Query: bind in order, step or run;
  // it is reset when the Query ends.
  Result<Query> query(std::string_view sql) {
    auto s = cached(sql);
    if (!s.ok()) return s.error();
    return Query(**s);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // stmts_ is declared after db_ so it is destroyed first: statements must
  // be finalized before their connection closes.
  Db db_;
  std::unordered_map<std::string, Stmt, Hash, std::equal_to<>> stmts_;
};

class ConnectionPool;

// A connection on loan from the pool; returned when destroyed.
class PooledConnection {
 public:
  PooledConnection(ConnectionPool* pool, std::unique_ptr<Connection> c)
      : pool_(pool), c_(std::move(c)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  PooledConnection(const PooledConnection&) = delete;
  ~PooledConnection();

  Connection& operator*() { return *c_; }
  Connection* operator->() { return c_.get(); }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<Connection> c_;
};

// A Query on a connection of its own, for a call that runs one statement:
// the statement is reset before the connection goes back to the pool (the
// bases are destroyed in the reverse order of their declaration).
namespace detail {
struct HeldConnection {
  PooledConnection conn;
};
}  // namespace detail
class PooledQuery : private detail::HeldConnection, public Query {
 public:
  PooledQuery(PooledConnection conn, Stmt& s) : detail::HeldConnection{std::move(conn)}, Query(s) {}
  // Rows changed by the last INSERT/UPDATE/DELETE on the connection.
  int64_t changes() { return conn->db().changes(); }
};

class ConnectionPool {
 public:
  // `max_idle` bounds the connections kept open while unused.
  explicit ConnectionPool(std::string path, size_t max_idle = 8)
      : path_(std::move(path)), max_idle_(max_idle) {}

  // Opens a connection configured for this store (WAL is a property of the
  // file, set once by the store when it opens).
  static Result<std::unique_ptr<Connection>> open_connection(const std::string& path);
  // Statements take ?1, ?2, ... (store/sql_text.hpp).
  static constexpr char kPlaceholder = '?';
  // No row locks (no FOR UPDATE): SQLite serializes writers, so a single
  // UPDATE that picks and claims a row is atomic without them.
  static constexpr bool kRowLocks = false;

  Result<PooledConnection> acquire();
  // A connection with the cached statement for `sql` on it (see PooledQuery).
  Result<PooledQuery> query(std::string_view sql);
  // Runs `sql` with `args` as its parameters (store/sql_values.hpp) and
  // returns its first row read with `read` (nullopt when none), every row
  // read with `read`, or the number of rows it changed.
  template <class T, class Read, class... Args>
  Result<std::optional<T>> one(std::string_view sql, Read read, const Args&... args) {
    SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, query(sql));
    return bind_values(s, args...).template one<T>(read);
  }
  template <class T, class Read, class... Args>
  Result<std::vector<T>> all(std::string_view sql, Read read, const Args&... args) {
    SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, query(sql));
    return bind_values(s, args...).template all<T>(read);
  }
  template <class... Args>
  Result<uint64_t> run(std::string_view sql, const Args&... args) {
    SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, query(sql));
    SKILLSYNC_TRY(bind_values(s, args...).run());
    return static_cast<uint64_t>(s.changes());
  }
  // The same, calling `f(row)` for every row.
  template <class F, class... Args>
  Status each(std::string_view sql, F f, const Args&... args) {
    SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, query(sql));
    return bind_values(s, args...).for_each(f);
  }

  // Runs `body(conn)` in one write transaction (BEGIN IMMEDIATE) on a
  // connection of its own: commits when it returns a value, rolls back when
  // it returns an error. The Queries `body` made have ended (and reset their
  // statements) by then. Returns what `body` returned, or the commit's error.
  template <class Body>
  std::invoke_result_t<Body&, Connection&> transact(Body body) {
    SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, acquire());
    SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
    auto out = body(*conn);
    if (out.ok()) SKILLSYNC_TRY(tx.commit());
    return out;
  }

 private:
  friend class PooledConnection;
  void release(std::unique_ptr<Connection> c);

  std::string path_;
  size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace skillsync::store::sqlite
