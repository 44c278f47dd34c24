// Thin RAII layer over libpq for the PostgreSQL store: a connection, a
// result, bound parameters, a transaction and the COPY protocol. Internal to
// src/store/postgres.
//
// Parameters are always bound ($1, $2, ...) and sent in binary format with
// explicit types (text, int8, bytea): no value is ever spliced into SQL, and
// a binary text parameter needs no NUL terminator, so a string_view is sent
// as is. Results come back in text format.
//
// Errors: SQLSTATE 23505 -> "already_exists"; serialization failures,
// deadlocks and lock timeouts -> "storage_busy"; everything else ->
// "storage_error". No message ever contains the connection's password.
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace skillsync::store::postgres {

// Replaces every occurrence of `secret` in `text` with "***".
std::string scrub(std::string text, std::string_view secret);

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}

  PGresult* get() const { return r_.get(); }
  int rows() const { return PQntuples(r_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::string string(int row, int col) const { return std::string(text(row, col)); }
  // 0 for NULL.
  int64_t int64(int row, int col) const;
  uint64_t uint64(int row, int col) const { return static_cast<uint64_t>(int64(row, col)); }
  std::optional<int64_t> optional_int64(int row, int col) const;
  bool boolean(int row, int col) const { return text(row, col) == "t"; }
  // Decodes a bytea column ("\x" hex text form); "" for NULL.
  std::string bytea(int row, int col) const;
  // Rows an INSERT/UPDATE/DELETE changed (PQcmdTuples).
  uint64_t affected() const;

  // The first row read with `read` (PgRow -> T, or -> Result<T>), or
  // std::nullopt when there is none.
  template <class T, class Read>
  Result<std::optional<T>> one(Read read) const;
  // Every row, read with `read`.
  template <class T, class Read>
  Result<std::vector<T>> all(Read read) const;
  // Calls `f(row)` for every row.
  template <class F>
  void for_each(F f) const;

 private:
  struct Deleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Deleter> r_;
};

// Row `i` of a result, read with the same names as sqlite::Row, so that
// store/row_mapping.hpp maps rows of either backend.
class PgRow {
 public:
  PgRow(const PgResult& r, int i) : r_(r), i_(i) {}
  bool is_null(int c) const { return r_.is_null(i_, c); }
  std::string_view text(int c) const { return r_.text(i_, c); }
  std::string string(int c) const { return r_.string(i_, c); }
  int64_t int64(int c) const { return r_.int64(i_, c); }
  uint64_t uint64(int c) const { return r_.uint64(i_, c); }
  std::optional<int64_t> optional_int64(int c) const { return r_.optional_int64(i_, c); }
  bool boolean(int c) const { return r_.boolean(i_, c); }
  std::string bytea(int c) const { return r_.bytea(i_, c); }

 private:
  const PgResult& r_;
  int i_;
};

template <class T, class Read>
Result<std::optional<T>> PgResult::one(Read read) const {
  if (rows() == 0) return std::optional<T>();
  Result<T> value = read(PgRow(*this, 0));
  if (!value.ok()) return value.error();
  return std::optional<T>(std::move(value).value());
}

template <class T, class Read>
Result<std::vector<T>> PgResult::all(Read read) const {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(rows()));
  for (int i = 0; i < rows(); ++i) {
    Result<T> value = read(PgRow(*this, i));
    if (!value.ok()) return value.error();
    out.push_back(std::move(value).value());
  }
  return out;
}

template <class F>
void PgResult::for_each(F f) const {
  for (int i = 0; i < rows(); ++i) f(PgRow(*this, i));
}

// Up to kMax bound parameters, held inline (no heap). Text and bytea values
// are views: the caller keeps them alive until the statement has run.
class Params {
 public:
  static constexpr int kMax = 24;

  Params() = default;
  // Values point into the object (int8 values): never copied.
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& text(std::string_view v) { return add(v.data(), v.size(), kTextOid, false); }
  Params& bytea(std::string_view v) { return add(v.data(), v.size(), kByteaOid, false); }
  Params& int64(int64_t v);
  Params& null_text() { return add(nullptr, 0, kTextOid, true); }
  Params& null_bytea() { return add(nullptr, 0, kByteaOid, true); }
  Params& null_int64() { return add(nullptr, 0, kInt8Oid, true); }
  Params& optional_int64(const std::optional<int64_t>& v) { return v ? int64(*v) : null_int64(); }
  Params& optional_text(const std::optional<std::string>& v) { return v ? text(*v) : null_text(); }

  int size() const { return n_; }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  static constexpr Oid kByteaOid = 17;
  static constexpr Oid kInt8Oid = 20;
  static constexpr Oid kTextOid = 25;
  Params& add(const char* data, size_t len, Oid type, bool null);

  std::array<Oid, kMax> types_{};
  std::array<const char*, kMax> values_{};
  std::array<int, kMax> lengths_{};
  std::array<int, kMax> formats_{};
  std::array<std::array<char, 8>, kMax> ints_{};  // big-endian int8 values
  int n_ = 0;
};

class PgConn {
 public:
  // Connects with `conninfo` (a libpq URI or key=value string); `password`
  // is scrubbed from every error message of this connection.
  static Result<PgConn> connect(const std::string& conninfo, const std::string& password);

  PGconn* get() const { return c_.get(); }
  bool ok() const { return c_ && PQstatus(c_.get()) == CONNECTION_OK; }
  bool idle() const { return PQtransactionStatus(c_.get()) == PQTRANS_IDLE; }

  // One statement with bound parameters.
  Result<PgResult> exec(const char* sql, const Params& params = Params()) const;
  Result<PgResult> exec(const std::string& sql, const Params& params = Params()) const {
    return exec(sql.c_str(), params);
  }
  // One or more statements without parameters (DDL, BEGIN, COMMIT).
  Status exec_script(const std::string& sql) const;

  // COPY ... FROM STDIN: `copy_sql` starts it; then send() as often as
  // needed and finish() (or abort()).
  Status copy_begin(const std::string& copy_sql) const;
  Status copy_send(std::string_view data) const;
  Status copy_end() const;

  // The connection's last error as an Error (password scrubbed).
  Error error(std::string_view what) const;
  Error result_error(const PGresult* r, std::string_view what) const;

 private:
  struct Deleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Deleter> c_;
  std::string password_;
};

// BEGIN ... COMMIT; rolls back when destroyed uncommitted.
class Tx {
 public:
  static Result<Tx> begin(const PgConn& conn);
  Tx(Tx&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
  Tx& operator=(Tx&&) = delete;
  ~Tx();
  Status commit();

 private:
  explicit Tx(const PgConn* conn) : conn_(conn) {}
  const PgConn* conn_;
};

// Appends `s` to `out` escaped for COPY's text format (backslash, tab,
// newline and carriage return). With `sanitize`, bytes that are not valid
// UTF-8 and NUL bytes become U+FFFD, so text from a broken file row can be
// stored at all.
void append_copy_text(std::string& out, std::string_view s, bool sanitize = false);
void append_copy_int(std::string& out, int64_t v);
inline void append_copy_null(std::string& out) { out += "\\N"; }

// One row of COPY's text format appended to `out`, field by field: a tab
// between fields, a newline at end(). `sanitize` as in append_copy_text.
class CopyRow {
 public:
  explicit CopyRow(std::string& out, bool sanitize = false) : out_(out), sanitize_(sanitize) {}
  CopyRow& text(std::string_view v) {
    separate();
    append_copy_text(out_, v, sanitize_);
    return *this;
  }
  CopyRow& int64(int64_t v) {
    separate();
    append_copy_int(out_, v);
    return *this;
  }
  CopyRow& optional_text(const std::optional<std::string>& v) {
    if (v) return text(*v);
    separate();
    append_copy_null(out_);
    return *this;
  }
  void end() { out_ += '\n'; }

 private:
  void separate() {
    if (!first_) out_ += '\t';
    first_ = false;
  }
  std::string& out_;
  bool sanitize_;
  bool first_ = true;
};

}  // namespace skillsync::store::postgres
