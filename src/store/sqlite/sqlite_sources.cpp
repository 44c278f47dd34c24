// SqliteStore: recurring sources and their ledger (store/sources.hpp).
//
// Exactly-once: source_files is UNIQUE (source_id, key, etag), and every
// write that records a file runs under BEGIN IMMEDIATE (the database's one
// write lock), so "is it recorded? else record it and create its task" is
// one atomic step. Claims run under the same lock, so two threads never
// claim one source.
#include <string>

#include "store/cursor.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
namespace {

std::optional<Micros> opt(const Stmt& s, int i) {
  if (s.is_null(i)) return std::nullopt;
  return s.column_int64(i);
}

void bind_opt(Stmt& s, int i, const std::optional<Micros>& v) {
  if (v) {
    s.bind_int64(i, *v);
  } else {
    s.bind_null(i);
  }
}

Result<Source> read_source(const Stmt& s) {
  Source x;
  x.id = s.column_string(0);
  x.tenant = s.column_string(1);
  x.name = s.column_string(2);
  x.entity_type = s.column_string(3);
  x.method = s.column_string(4);
  x.uri = s.column_string(5);
  x.region = s.column_string(6);
  x.pattern = s.column_string(7);
  x.sealed_credentials = s.column_blob(8);
  x.schedule_seconds = s.column_int64(9);
  x.options_json = s.column_string(10);
  x.start_after = s.column_string(11);
  x.modified_after = opt(s, 12);
  x.batch = s.column_string(13);
  x.max_consecutive_failures = static_cast<int>(s.column_int64(14));
  auto status = source_status_from_string(s.column_text(15));
  if (!status) return Error{"storage_error", "source " + x.id + " has an unknown status"};
  x.status = *status;
  x.last_error = s.column_string(16);
  x.last_check_at = opt(s, 17);
  x.next_check_at = opt(s, 18);
  x.failures_since = s.column_int64(19);
  x.lease_owner = s.column_string(20);
  x.lease_expires_at = opt(s, 21);
  x.created_at = s.column_int64(22);
  x.updated_at = s.column_int64(23);
  return x;
}

SourceFileView read_file(const Stmt& s) {
  SourceFileView v;
  SourceFile& f = v.file;
  f.source_id = s.column_string(1);
  f.key = s.column_string(2);
  f.etag = s.column_string(3);
  f.size = static_cast<uint64_t>(s.column_int64(4));
  f.last_modified = s.column_int64(5);
  f.first_seen = s.column_int64(6);
  f.task_id = s.column_string(7);
  f.skip_reason = s.column_string(8);
  if (!s.is_null(9)) v.task_status = s.column_string(9);
  v.rows_loaded = static_cast<uint64_t>(s.column_int64(10));
  v.rows_rejected = static_cast<uint64_t>(s.column_int64(11));
  return v;
}

// Binds the fields update_source writes: ?3 name .. ?18 failures_since.
void bind_settable(Stmt& s, const Source& x) {
  s.bind_text(3, x.name);
  s.bind_text(4, x.entity_type);
  s.bind_text(5, x.method);
  s.bind_text(6, x.uri);
  s.bind_text(7, x.region);
  s.bind_text(8, x.pattern);
  if (x.sealed_credentials.empty()) {
    s.bind_null(9);
  } else {
    s.bind_blob(9, x.sealed_credentials);
  }
  s.bind_int64(10, x.schedule_seconds);
  s.bind_text(11, x.options_json.empty() ? std::string_view("{}") : x.options_json);
  s.bind_text(12, x.start_after);
  bind_opt(s, 13, x.modified_after);
  s.bind_text(14, x.batch);
  s.bind_int64(15, x.max_consecutive_failures);
  s.bind_text(16, to_string(x.status));
  s.bind_text(17, x.last_error);
  bind_opt(s, 18, x.next_check_at);
  s.bind_int64(19, x.failures_since);
}

// The ledger row (source_id, key, etag), if recorded.
Result<std::optional<SourceFile>> find_file(Connection& conn, const SourceFile& f) {
  auto stmt = conn.cached("SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS
                          " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id"
                          " WHERE f.source_id = ?1 AND f.key = ?2 AND f.etag = ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, f.source_id);
  s.bind_text(2, f.key);
  s.bind_text(3, f.etag);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<SourceFile>();
  return std::optional<SourceFile>(read_file(s).file);
}

Status insert_file(Connection& conn, const SourceFile& f) {
  auto stmt = conn.cached(
      "INSERT INTO source_files (source_id, key, etag, size, last_modified_us, first_seen_us,"
      " task_id, skip_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, f.source_id);
  s.bind_text(2, f.key);
  s.bind_text(3, f.etag);
  s.bind_int64(4, static_cast<int64_t>(f.size));
  s.bind_int64(5, f.last_modified);
  s.bind_int64(6, f.first_seen);
  s.bind_text(7, f.task_id);
  s.bind_text(8, f.skip_reason);
  return s.run();
}

}  // namespace

Status SqliteStore::create_source(const Source& x) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "INSERT INTO sources (id, tenant, name, entity_type, method, uri, region, pattern,"
      " sealed_credentials, schedule_seconds, options_json, start_after, modified_after_us,"
      " batch, max_consecutive_failures, status, last_error, next_check_at_us,"
      " failures_since_us, lease_owner, created_at_us, updated_at_us) VALUES (?1, ?2, ?3, ?4,"
      " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, '', ?20, ?20)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, x.id);
  s.bind_text(2, x.tenant);
  bind_settable(s, x);
  s.bind_int64(20, x.created_at != 0 ? x.created_at : clock_.now());
  return s.run();
}

Result<std::optional<Source>> SqliteStore::get_source(std::string_view tenant,
                                                      std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_SOURCE_COLUMNS
                              " FROM sources WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<Source>();
  auto x = read_source(s);
  if (!x.ok()) return x.error();
  return std::optional<Source>(std::move(x).value());
}

Result<SourcePage> SqliteStore::list_sources(std::string_view tenant, size_t limit,
                                             std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  auto after = decode_task_page_cursor(cursor);
  if (!after.ok()) return after.error();
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "SELECT " SKILLSYNC_SOURCE_COLUMNS
      " FROM sources WHERE tenant = ?1 AND (?2 IS NULL OR (created_at_us, id) < (?2, ?3))"
      " ORDER BY created_at_us DESC, id DESC LIMIT ?4");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  if (*after) {
    s.bind_int64(2, (*after)->created_at);
    s.bind_text(3, (*after)->id);
  }
  s.bind_int64(4, static_cast<int64_t>(limit) + 1);
  SourcePage page;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      page.next_cursor = encode_task_cursor(page.items.back().created_at, page.items.back().id);
      break;
    }
    auto x = read_source(s);
    if (!x.ok()) return x.error();
    x->sealed_credentials.clear();
    page.items.push_back(std::move(x).value());
  }
  return page;
}

Result<bool> SqliteStore::update_source(const Source& x, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE sources SET name = ?3, entity_type = ?4, method = ?5, uri = ?6, region = ?7,"
      " pattern = ?8, sealed_credentials = ?9, schedule_seconds = ?10, options_json = ?11,"
      " start_after = ?12, modified_after_us = ?13, batch = ?14,"
      " max_consecutive_failures = ?15, status = ?16, last_error = ?17,"
      " next_check_at_us = ?18, failures_since_us = ?19, updated_at_us = ?20"
      " WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, x.tenant);
  s.bind_text(2, x.id);
  bind_settable(s, x);
  s.bind_int64(20, now);
  SKILLSYNC_TRY(s.run());
  return (*conn)->db().changes() > 0;
}

Result<bool> SqliteStore::delete_source(std::string_view tenant, std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // source_files go with it (ON DELETE CASCADE; foreign_keys is on).
  auto stmt = (*conn)->cached("DELETE FROM sources WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, id);
  SKILLSYNC_TRY(s.run());
  return (*conn)->db().changes() > 0;
}

Result<std::optional<Source>> SqliteStore::claim_due_source(std::string_view owner, Micros now,
                                                            Micros lease_duration) {
  SKILLSYNC_TRY(check_claim(owner, lease_duration));
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // One statement: SQLite's write lock makes the pick and the claim atomic.
  auto stmt = (*conn)->cached(
      "UPDATE sources SET lease_owner = ?1, lease_expires_at_us = ?3, next_check_at_us = NULL"
      " WHERE id = (SELECT id FROM sources WHERE status = 'active'"
      " AND (next_check_at_us IS NULL OR next_check_at_us <= ?2)"
      " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < ?2)"
      " ORDER BY next_check_at_us, id LIMIT 1) RETURNING " SKILLSYNC_SOURCE_COLUMNS);
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, owner);
  s.bind_int64(2, now);
  s.bind_int64(3, now + lease_duration);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<Source>();
  auto x = read_source(s);
  if (!x.ok()) return x.error();
  auto done = s.step();  // run to the end so the UPDATE commits
  if (!done.ok()) return done.error();
  return std::optional<Source>(std::move(x).value());
}

Status SqliteStore::finish_source_check(std::string_view source_id, std::string_view owner,
                                        const SourceCheckResult& r) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE sources SET last_check_at_us = ?3, lease_owner = '',"
      " next_check_at_us = CASE WHEN next_check_at_us IS NULL THEN ?4"
      " ELSE min(next_check_at_us, ?4) END,"
      " lease_expires_at_us = NULL,"
      " status = CASE WHEN ?5 IS NULL THEN status ELSE 'error' END,"
      " last_error = coalesce(?5, last_error)"
      " WHERE id = ?1 AND lease_owner = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, source_id);
  s.bind_text(2, owner);
  s.bind_int64(3, r.checked_at);
  s.bind_int64(4, r.next_check_at);
  if (r.error) s.bind_text(5, *r.error);
  SKILLSYNC_TRY(s.run());
  if ((*conn)->db().changes() == 0) {
    return Error{"lease_lost", "source " + std::string(source_id) + " is not held by this check"};
  }
  return ok_status();
}

Result<RecordedFile> SqliteStore::record_source_file(const SourceFile& file) {
  Task none;
  return record_file_and_create_task(file, none);
}

Result<RecordedFile> SqliteStore::record_file_and_create_task(const SourceFile& file,
                                                              const Task& task) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  auto existing = find_file(**conn, file);
  if (!existing.ok()) return existing.error();
  if (existing->has_value()) return RecordedFile{std::move(**existing), false};
  const Micros now = clock_.now();
  SourceFile row = file;
  if (row.first_seen == 0) row.first_seen = now;
  if (!task.id.empty()) {
    row.task_id = task.id;
    SKILLSYNC_TRY(insert_task(**conn, task, task.created_at != 0 ? task.created_at : now));
  }
  SKILLSYNC_TRY(insert_file(**conn, row));
  SKILLSYNC_TRY(tx->commit());
  return RecordedFile{std::move(row), true};
}

Result<SourceFilePage> SqliteStore::list_source_files(std::string_view source_id, size_t limit,
                                                      std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  auto after = decode_seq_page_cursor(cursor);
  if (!after.ok()) return after.error();
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS
                              " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id"
                              " WHERE f.source_id = ?1 AND f.seq > ?2 ORDER BY f.seq LIMIT ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, source_id);
  s.bind_int64(2, *after);
  s.bind_int64(3, static_cast<int64_t>(limit) + 1);
  SourceFilePage page;
  int64_t last_seq = 0;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      page.next_cursor = encode_seq_cursor(last_seq);
      break;
    }
    last_seq = s.column_int64(0);
    page.items.push_back(read_file(s));
  }
  return page;
}

Result<std::vector<TaskStatus>> SqliteStore::recent_source_task_statuses(std::string_view source_id,
                                                                         Micros since,
                                                                         size_t limit) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "SELECT status FROM tasks WHERE source_id = ?1 AND created_at_us >= ?2"
      " ORDER BY created_at_us DESC, id DESC LIMIT ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, source_id);
  s.bind_int64(2, since);
  s.bind_int64(3, clamp_limit(limit));
  std::vector<TaskStatus> out;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    auto st = task_status_from_string(s.column_text(0));
    if (st) out.push_back(*st);
  }
  return out;
}

}  // namespace skillsync::store::sqlite
