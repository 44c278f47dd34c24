#include "store/postgres/pg.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "metrics/skillsync_metrics.hpp"

namespace skillsync::store::postgres {
namespace {

// Connections of the store raise NOTICEs for "IF NOT EXISTS" and the like;
// they are not errors and must not reach stderr.
void ignore_notice(void*, const char*) {}

std::string trimmed(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string_view sqlstate_code(std::string_view state) {
  if (state == "23505") return errc_name(Errc::kAlreadyExists);
  // serialization_failure, deadlock_detected, lock_not_available,
  // query_canceled (statement_timeout): the caller may retry.
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
    return errc_name(Errc::kStorageBusy);
  }
  return "storage_error";
}

// Length of the valid UTF-8 sequence at s[i], or 0 if there is none
// (NUL counts as invalid: PostgreSQL text cannot hold it).
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  const auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::string scrub(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
  return text;
}

// --- PgResult ----------------------------------------------------------------

int64_t PgResult::int64(int row, int col) const {
  const std::string_view t = text(row, col);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::optional<int64_t> PgResult::optional_int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

std::string PgResult::bytea(int row, int col) const {
  if (is_null(row, col)) return {};
  const std::string_view t = text(row, col);
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return std::string(t);  // not hex form
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  out.reserve((t.size() - 2) / 2);
  for (size_t i = 2; i + 1 < t.size(); i += 2) {
    out += static_cast<char>(nibble(t[i]) << 4 | nibble(t[i + 1]));
  }
  return out;
}

uint64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  uint64_t v = 0;
  if (n != nullptr) std::from_chars(n, n + std::strlen(n), v);
  return v;
}

// --- Params ------------------------------------------------------------------

Params& Params::add(const char* data, size_t len, Oid type, bool null) {
  // Statements are ours: more than kMax parameters is a programming error.
  if (n_ >= kMax) std::abort();
  const auto i = static_cast<size_t>(n_);
  types_[i] = type;
  // libpq reads a nullptr value as NULL: an empty value must not be one.
  values_[i] = null ? nullptr : (data != nullptr ? data : "");
  lengths_[i] = static_cast<int>(len);
  formats_[i] = 1;  // binary
  ++n_;
  return *this;
}

Params& Params::int64(int64_t v) {
  auto& buf = ints_[static_cast<size_t>(n_)];
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) buf[static_cast<size_t>(i)] = static_cast<char>(u >> (56 - 8 * i));
  return add(buf.data(), 8, kInt8Oid, false);
}

// --- PgConn ------------------------------------------------------------------

Result<PgConn> PgConn::connect(const std::string& conninfo, const std::string& password) {
  PgConn conn;
  conn.password_ = password;
  conn.c_.reset(PQconnectdb(conninfo.c_str()));
  if (conn.c_ == nullptr) return Error{"storage_error", "out of memory connecting to PostgreSQL"};
  if (PQstatus(conn.c_.get()) != CONNECTION_OK) {
    return Error{"storage_error", "cannot connect to PostgreSQL: " +
                                      scrub(trimmed(PQerrorMessage(conn.c_.get())), password)};
  }
  PQsetNoticeProcessor(conn.c_.get(), &ignore_notice, nullptr);
  // UTF-8 on the wire whatever the server's default; microsecond times are
  // BIGINTs, so the session time zone does not matter.
  if (PQsetClientEncoding(conn.c_.get(), "UTF8") != 0) {
    return conn.error("setting the client encoding");
  }
  return conn;
}

Error PgConn::error(std::string_view what) const {
  metrics::record_store_error("postgres", "storage_error");
  return Error{"storage_error",
               std::string(what) + ": " + scrub(trimmed(PQerrorMessage(c_.get())), password_)};
}

Error PgConn::result_error(const PGresult* r, std::string_view what) const {
  if (r == nullptr) return error(what);
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = primary != nullptr ? primary : trimmed(PQresultErrorMessage(r));
  if (message.empty()) message = trimmed(PQerrorMessage(c_.get()));
  const std::string_view code = sqlstate_code(state != nullptr ? state : "");
  if (code != errc_name(Errc::kAlreadyExists)) metrics::record_store_error("postgres", code);
  return Error{std::string(code), std::string(what) + ": " + scrub(std::move(message), password_)};
}

Result<PgResult> PgConn::exec(const char* sql, const Params& params) const {
  PgResult r(PQexecParams(c_.get(), sql, params.size(), params.types(), params.values(),
                          params.lengths(), params.formats(), 0));
  const ExecStatusType st = r.get() == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return result_error(r.get(), "PostgreSQL statement failed");
  }
  return r;
}

Status PgConn::exec_script(const std::string& sql) const {
  PgResult r(PQexec(c_.get(), sql.c_str()));
  const ExecStatusType st = r.get() == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return result_error(r.get(), "PostgreSQL statement failed");
  }
  return ok_status();
}

Status PgConn::copy_begin(const std::string& copy_sql) const {
  PgResult r(PQexec(c_.get(), copy_sql.c_str()));
  if (r.get() == nullptr || PQresultStatus(r.get()) != PGRES_COPY_IN) {
    return result_error(r.get(), "starting COPY failed");
  }
  return ok_status();
}

Status PgConn::copy_send(std::string_view data) const {
  // The connection is blocking: PQputCopyData queues and flushes as needed.
  constexpr size_t kChunk = 1 << 20;
  while (!data.empty()) {
    const size_t n = std::min(data.size(), kChunk);
    if (PQputCopyData(c_.get(), data.data(), static_cast<int>(n)) != 1) {
      Error e = error("sending COPY data failed");
      // Leave the COPY state so the connection can roll back (if it lives).
      PQputCopyEnd(c_.get(), "aborted by the client");
      while (PGresult* raw = PQgetResult(c_.get())) PQclear(raw);
      return e;
    }
    data.remove_prefix(n);
  }
  return ok_status();
}

Status PgConn::copy_end() const {
  if (PQputCopyEnd(c_.get(), nullptr) != 1) return error("ending COPY failed");
  Status status = ok_status();
  // Drain every result: the COPY's own, then nullptr.
  while (PGresult* raw = PQgetResult(c_.get())) {
    PgResult r(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && status.ok()) {
      status = result_error(raw, "COPY failed");
    }
  }
  return status;
}

// --- Tx ----------------------------------------------------------------------

Result<Tx> Tx::begin(const PgConn& conn) {
  SKILLSYNC_TRY(conn.exec_script("BEGIN"));
  return Tx(&conn);
}

Tx::~Tx() {
  if (conn_ != nullptr && conn_->ok() && !conn_->idle()) {
    PgResult r(PQexec(conn_->get(), "ROLLBACK"));
  }
}

Status Tx::commit() {
  const PgConn* conn = conn_;
  conn_ = nullptr;
  // COMMIT of a failed transaction answers "ROLLBACK" without an error.
  auto r = conn->exec("COMMIT");
  if (!r.ok()) return r.error();
  if (std::string_view(PQcmdStatus(r->get())) != "COMMIT") {
    return Error{"storage_error", "PostgreSQL rolled the transaction back"};
  }
  return ok_status();
}

// --- COPY text format ----------------------------------------------------------

void append_copy_text(std::string& out, std::string_view s, bool sanitize) {
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      default:
        break;
    }
    if (!sanitize ||
        (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x80)) {
      out += c;
      ++i;
      continue;
    }
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
}

void append_copy_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(end - buf));
}

}  // namespace skillsync::store::postgres
