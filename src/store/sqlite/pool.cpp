#include "store/sqlite/pool.hpp"

namespace skillsync::store::sqlite {

Result<Stmt*> Connection::cached(std::string_view sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    auto stmt = db_.prepare(sql);
    if (!stmt.ok()) return stmt.error();
    it = stmts_.emplace(std::string(sql), std::move(stmt).value()).first;
  }
  return &it->second;
}

Result<PooledQuery> ConnectionPool::query(std::string_view sql) {
  auto conn = acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(sql);
  if (!stmt.ok()) return stmt.error();
  return PooledQuery(std::move(conn).value(), **stmt);
}

PooledConnection::~PooledConnection() {
  if (c_ != nullptr) pool_->release(std::move(c_));
}

Result<std::unique_ptr<Connection>> ConnectionPool::open_connection(const std::string& path) {
  auto db = Db::open(path);
  if (!db.ok()) return db.error();
  // busy_timeout: writers queue behind a load's batch transaction instead of
  // failing. synchronous=NORMAL is durable across application crashes in WAL
  // mode and only risks the last commits on power loss. The page cache
  // (kPoolCacheKiB) is a per-connection ceiling, so it bounds memory with
  // the pool size; a load's publish lowers it for itself (stage_merge.cpp).
  // temp_store=FILE: a large sort inside SQLite spills to disk rather than
  // grow the heap (a load's publish sorts nothing: its rows come in key
  // order, see stage_merge.cpp).
  // secure_delete=FAST zeroes deleted content (erased credentials) whenever
  // that costs no extra I/O.
  SKILLSYNC_TRY(
      db->exec("PRAGMA busy_timeout = 30000;"
               "PRAGMA foreign_keys = ON;"
               "PRAGMA synchronous = NORMAL;"
               "PRAGMA temp_store = FILE;"
               "PRAGMA secure_delete = FAST;"));
  SKILLSYNC_TRY(db->exec("PRAGMA cache_size = -" + std::to_string(kPoolCacheKiB)));
  return std::make_unique<Connection>(std::move(db).value());
}

Result<PooledConnection> ConnectionPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return PooledConnection(this, std::move(c));
    }
  }
  // Opening happens outside the lock: it touches the file system.
  auto c = open_connection(path_);
  if (!c.ok()) return c.error();
  return PooledConnection(this, std::move(c).value());
}

void ConnectionPool::release(std::unique_ptr<Connection> c) {
  // A connection left inside a transaction (a bug or an abandoned writer)
  // must not be reused as is.
  if (!sqlite3_get_autocommit(c->db().get())) {
    sqlite3_exec(c->db().get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
  // Otherwise `c` is closed when it goes out of scope.
}

}  // namespace skillsync::store::sqlite
