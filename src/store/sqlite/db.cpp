#include "store/sqlite/db.hpp"

#include <utility>

#include "metrics/skillsync_metrics.hpp"

namespace skillsync::store::sqlite {

Error db_error(sqlite3* db, std::string_view what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  const int primary = code & 0xFF;
  std::string message(what);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : "out of memory";
  if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE) {
    return Error{Errc::kAlreadyExists, std::move(message)};
  }
  const bool busy = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
  Error error = busy ? Error{Errc::kStorageBusy, std::move(message)}
                     : Error{"storage_error", std::move(message)};
  metrics::record_store_error("sqlite", error.code);
  return error;
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    s_ = std::exchange(o.s_, nullptr);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Result<bool> Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_error(sqlite3_db_handle(s_), "statement failed");
}

Status Stmt::run() {
  auto r = step();
  if (!r.ok()) return r.error();
  return ok_status();
}

std::string_view Stmt::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i)));
}

std::string Stmt::column_blob(int i) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, i)));
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(db_); }

Result<Db> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) return db_error(raw, "cannot open database " + path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status Db::exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_error(db_, "statement failed");
  }
  return ok_status();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return db_error(db_, "cannot prepare statement");
  return Stmt(s);
}

Result<int64_t> Db::query_int(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt.ok()) return stmt.error();
  auto row = stmt->step();
  if (!row.ok()) return row.error();
  if (!row.value()) return Error{"storage_error", "query returned no row: " + sql};
  return stmt->column_int64(0);
}

Result<Transaction> Transaction::begin(Db& db) {
  SKILLSYNC_TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  // A failed statement may already have rolled the transaction back.
  if (db_ != nullptr && !sqlite3_get_autocommit(db_->get())) {
    sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Transaction::commit() {
  Db* db = std::exchange(db_, nullptr);
  Status st = db->exec("COMMIT");
  if (!st.ok() && !sqlite3_get_autocommit(db->get())) {
    sqlite3_exec(db->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return st;
}

}  // namespace skillsync::store::sqlite
