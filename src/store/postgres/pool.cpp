#include "store/postgres/pool.hpp"

namespace skillsync::store::postgres {

PooledConn::~PooledConn() {
  if (pool_ != nullptr) pool_->release(std::move(conn_));
}

Result<PgResult> ConnectionPool::exec(const char* sql, const Params& params) {
  auto conn = acquire();
  if (!conn.ok()) return conn.error();
  return (*conn)->exec(sql, params);
}

Result<PooledConn> ConnectionPool::acquire() {
  {
    std::unique_lock lock(mu_);
    const bool got =
        returned_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_open_; });
    if (!got) {
      return Error{Errc::kStorageBusy, "all " + std::to_string(max_open_) +
                                           " PostgreSQL connections of this process are busy"};
    }
    if (!idle_.empty()) {
      PgConn c = std::move(idle_.back());
      idle_.pop_back();
      return PooledConn(this, std::move(c));
    }
    ++open_;  // reserved; connecting happens outside the lock
  }
  auto c = PgConn::connect(conninfo_, password_);
  if (!c.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    returned_.notify_one();
    return c.error();
  }
  return PooledConn(this, std::move(c).value());
}

void ConnectionPool::release(PgConn conn) {
  bool keep = conn.ok();
  // A connection left inside a transaction (an early return or an abandoned
  // writer) is rolled back before anyone else uses it.
  if (keep && !conn.idle()) keep = conn.exec_script("ROLLBACK").ok() && conn.idle();
  std::lock_guard lock(mu_);
  if (keep && idle_.size() < max_idle_) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    // `conn` closes when it goes out of scope.
  }
  returned_.notify_one();
}

}  // namespace skillsync::store::postgres
