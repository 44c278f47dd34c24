// A thin RAII layer over the sqlite3 C API: Db (a connection), Stmt (a
// prepared statement), Query (a statement bound in order and reset on scope
// exit), Row (a result row, read like PostgreSQL's), StmtReset (puts a
// cached statement back in its initial state on scope exit) and Transaction
// (rolls back unless committed).
//
// Errors become Error values with code "storage_error", "storage_busy" (a
// lock could not be taken within the busy timeout) or "already_exists" (a
// primary key or unique constraint refused a row); messages carry SQLite's
// text and never a bound value.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace skillsync::store::sqlite {

// Turns the connection's last error into an Error mentioning `what`.
Error db_error(sqlite3* db, std::string_view what);

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }

  // Parameters are 1-based. bind_text copies the bytes; bind_text_static does
  // not, so the bytes must stay alive and unchanged until the statement is
  // stepped and reset (the load path uses it to avoid a copy per field).
  void bind_int64(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_text_static(int i, std::string_view v) {
    sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  void bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT);
  }
  void bind_null(int i) { sqlite3_bind_null(s_, i); }

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps a statement that returns no rows.
  Status run();
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  // Columns are 0-based.
  bool is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  int64_t column_int64(int i) const { return sqlite3_column_int64(s_, i); }
  // Valid until the next step/reset of the statement.
  std::string_view column_text(int i) const;
  std::string column_string(int i) const { return std::string(column_text(i)); }
  // A BLOB (or NULL, as "") column's bytes, copied.
  std::string column_blob(int i) const;

 private:
  sqlite3_stmt* s_ = nullptr;
};

// One result row of a stepped statement, read with the same names as
// postgres::PgRow, so that store/row_mapping.hpp maps rows of either backend.
// Valid until the statement is stepped or reset again.
class Row {
 public:
  explicit Row(const Stmt& s) : s_(s) {}
  bool is_null(int c) const { return s_.is_null(c); }
  std::string_view text(int c) const { return s_.column_text(c); }
  std::string string(int c) const { return s_.column_string(c); }
  int64_t int64(int c) const { return s_.column_int64(c); }
  uint64_t uint64(int c) const { return static_cast<uint64_t>(s_.column_int64(c)); }
  std::optional<int64_t> optional_int64(int c) const {
    if (is_null(c)) return std::nullopt;
    return int64(c);
  }
  bool boolean(int c) const { return s_.column_int64(c) != 0; }
  // A BLOB column's bytes ("" for NULL).
  std::string bytea(int c) const { return s_.column_blob(c); }

 private:
  const Stmt& s_;
};

// A (cached) statement whose parameters are bound in order, ?1, ?2, ... (as
// postgres::Params binds $1, $2, ...), reset with its bindings cleared when
// the Query ends, on every path. Text and blob values are copied.
class Query {
 public:
  explicit Query(Stmt& s) : s_(&s) {}
  Query(Query&& o) noexcept : s_(o.s_), next_(o.next_) { o.s_ = nullptr; }
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    if (s_ != nullptr) s_->reset();
  }

  Query& text(std::string_view v) {
    s_->bind_text(next_++, v);
    return *this;
  }
  Query& bytea(std::string_view v) {
    s_->bind_blob(next_++, v);
    return *this;
  }
  Query& int64(int64_t v) {
    s_->bind_int64(next_++, v);
    return *this;
  }
  Query& null_text() { return null(); }
  Query& null_bytea() { return null(); }
  Query& null_int64() { return null(); }
  Query& optional_int64(const std::optional<int64_t>& v) { return v ? int64(*v) : null(); }
  Query& optional_text(const std::optional<std::string>& v) { return v ? text(*v) : null(); }

  // Steps once: true when a row() is available, false when done.
  Result<bool> step() { return s_->step(); }
  // Steps a statement that returns no rows (or whose rows nobody reads).
  Status run() { return s_->run(); }
  Row row() const { return Row(*s_); }

  // Reads the first row with `read` (Row -> T, or -> Result<T>), or
  // std::nullopt when there is none, and runs the statement to its end (an
  // UPDATE ... RETURNING completes, and outside a transaction commits).
  template <class T, class Read>
  Result<std::optional<T>> one(Read read) {
    auto has = step();
    if (!has.ok()) return has.error();
    if (!*has) return std::optional<T>();
    Result<T> value = read(row());
    if (!value.ok()) return value.error();
    SKILLSYNC_TRY(step());
    return std::optional<T>(std::move(value).value());
  }
  // Calls `f(row())` for every row.
  template <class F>
  Status for_each(F f) {
    for (;;) {
      auto has = step();
      if (!has.ok()) return has.error();
      if (!*has) return ok_status();
      f(row());
    }
  }
  // Every row, read with `read` (Row -> T, or -> Result<T>).
  template <class T, class Read>
  Result<std::vector<T>> all(Read read) {
    std::vector<T> out;
    for (;;) {
      auto has = step();
      if (!has.ok()) return has.error();
      if (!*has) return out;
      Result<T> value = read(row());
      if (!value.ok()) return value.error();
      out.push_back(std::move(value).value());
    }
  }

 private:
  Query& null() {
    s_->bind_null(next_++);
    return *this;
  }
  Stmt* s_;
  int next_ = 1;
};

// Resets a (cached) statement when the scope ends, on every path.
class StmtReset {
 public:
  explicit StmtReset(Stmt& s) : s_(s) {}
  StmtReset(const StmtReset&) = delete;
  StmtReset& operator=(const StmtReset&) = delete;
  ~StmtReset() { s_.reset(); }

 private:
  Stmt& s_;
};

class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens (creating if needed) a read-write connection that is used by one
  // thread at a time (SQLITE_OPEN_NOMUTEX).
  static Result<Db> open(const std::string& path);

  sqlite3* get() const { return db_; }
  // Runs one or more statements that return no rows we need.
  Status exec(const std::string& sql);
  Result<Stmt> prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t changes() const { return sqlite3_changes64(db_); }
  // Reads a single integer, e.g. "PRAGMA user_version".
  Result<int64_t> query_int(const std::string& sql);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A write transaction taken with BEGIN IMMEDIATE, so the write lock is held
// from the start: a read-then-write transaction can never fail half way with
// SQLITE_BUSY_SNAPSHOT, and lock waits go through the busy timeout.
class Transaction {
 public:
  static Result<Transaction> begin(Db& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Db& db) : db_(&db) {}
  Db* db_ = nullptr;  // null once committed or rolled back
};

}  // namespace skillsync::store::sqlite
