// PostgresStore: recurring sources and their ledger (store/sources.hpp).
//
// Exactly-once across processes: source_files is UNIQUE (source_id, key,
// etag); record_file_and_create_task inserts the ledger row with ON
// CONFLICT DO NOTHING and creates the task in the same transaction, so of
// two processes recording one file, the second waits on the unique index
// until the first commits and then inserts nothing. Claims pick a due
// source with FOR UPDATE SKIP LOCKED, so concurrent claims never block on
// or take the same source.
#include <string>

#include "store/cursor.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store::postgres {
namespace {

Result<Source> read_source(const PgResult& r, int i) {
  Source x;
  x.id = r.string(i, 0);
  x.tenant = r.string(i, 1);
  x.name = r.string(i, 2);
  x.entity_type = r.string(i, 3);
  x.method = r.string(i, 4);
  x.uri = r.string(i, 5);
  x.region = r.string(i, 6);
  x.pattern = r.string(i, 7);
  x.sealed_credentials = r.is_null(i, 8) ? std::string() : r.bytea(i, 8);
  x.schedule_seconds = r.int64(i, 9);
  x.options_json = r.string(i, 10);
  x.start_after = r.string(i, 11);
  x.modified_after = r.optional_int64(i, 12);
  x.batch = r.string(i, 13);
  x.max_consecutive_failures = static_cast<int>(r.int64(i, 14));
  auto status = source_status_from_string(r.text(i, 15));
  if (!status) return Error{"storage_error", "source " + x.id + " has an unknown status"};
  x.status = *status;
  x.last_error = r.string(i, 16);
  x.last_check_at = r.optional_int64(i, 17);
  x.next_check_at = r.optional_int64(i, 18);
  x.failures_since = r.int64(i, 19);
  x.lease_owner = r.string(i, 20);
  x.lease_expires_at = r.optional_int64(i, 21);
  x.created_at = r.int64(i, 22);
  x.updated_at = r.int64(i, 23);
  return x;
}

Result<std::optional<Source>> read_optional_source(const PgResult& r) {
  if (r.rows() == 0) return std::optional<Source>();
  auto x = read_source(r, 0);
  if (!x.ok()) return x.error();
  return std::optional<Source>(std::move(x).value());
}

SourceFileView read_file(const PgResult& r, int i) {
  SourceFileView v;
  SourceFile& f = v.file;
  f.source_id = r.string(i, 1);
  f.key = r.string(i, 2);
  f.etag = r.string(i, 3);
  f.size = r.uint64(i, 4);
  f.last_modified = r.int64(i, 5);
  f.first_seen = r.int64(i, 6);
  f.task_id = r.string(i, 7);
  f.skip_reason = r.string(i, 8);
  if (!r.is_null(i, 9)) v.task_status = r.string(i, 9);
  v.rows_loaded = r.uint64(i, 10);
  v.rows_rejected = r.uint64(i, 11);
  return v;
}

// $3 name .. $19 failures_since, after $1 tenant and $2 id.
Params& bind_settable(Params& p, const Source& x) {
  p.text(x.name).text(x.entity_type).text(x.method).text(x.uri).text(x.region).text(x.pattern);
  if (x.sealed_credentials.empty()) {
    p.null_bytea();
  } else {
    p.bytea(x.sealed_credentials);
  }
  p.int64(x.schedule_seconds)
      .text(x.options_json.empty() ? std::string_view("{}") : x.options_json);
  p.text(x.start_after).optional_int64(x.modified_after).text(x.batch);
  p.int64(x.max_consecutive_failures).text(to_string(x.status)).text(x.last_error);
  return p.optional_int64(x.next_check_at).int64(x.failures_since);
}

#define SKILLSYNC_PG_FIND_FILE                                 \
  "SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS                      \
  " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id" \
  " WHERE f.source_id = $1 AND f.key = $2 AND f.etag = $3"

}  // namespace

Status PostgresStore::create_source(const Source& x) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Params p;
  p.text(x.id).text(x.tenant);
  bind_settable(p, x).int64(x.created_at != 0 ? x.created_at : clock_.now());
  auto r = (*conn)->exec(
      "INSERT INTO sources (id, tenant, name, entity_type, method, uri, region, pattern,"
      " sealed_credentials, schedule_seconds, options_json, start_after, modified_after_us,"
      " batch, max_consecutive_failures, status, last_error, next_check_at_us,"
      " failures_since_us, lease_owner, created_at_us, updated_at_us) VALUES ($1, $2, $3, $4,"
      " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, '', $20, $20)",
      p);
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<std::optional<Source>> PostgresStore::get_source(std::string_view tenant,
                                                        std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT " SKILLSYNC_SOURCE_COLUMNS
                         " FROM sources WHERE tenant = $1 AND id = $2",
                         Params().text(tenant).text(id));
  if (!r.ok()) return r.error();
  return read_optional_source(*r);
}

Result<SourcePage> PostgresStore::list_sources(std::string_view tenant, size_t limit,
                                               std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  auto after = decode_task_page_cursor(cursor);
  if (!after.ok()) return after.error();
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Params p;
  p.text(tenant);
  if (*after) {
    p.int64((*after)->created_at).text((*after)->id);
  } else {
    p.null_int64().null_text();
  }
  p.int64(static_cast<int64_t>(limit) + 1);
  auto r = (*conn)->exec(
      "SELECT " SKILLSYNC_SOURCE_COLUMNS
      " FROM sources WHERE tenant = $1 AND ($2::int8 IS NULL OR (created_at_us, id) < ($2, $3))"
      " ORDER BY created_at_us DESC, id DESC LIMIT $4",
      p);
  if (!r.ok()) return r.error();
  SourcePage page;
  for (int i = 0; i < r->rows(); ++i) {
    if (page.items.size() == limit) {
      page.next_cursor = encode_task_cursor(page.items.back().created_at, page.items.back().id);
      break;
    }
    auto x = read_source(*r, i);
    if (!x.ok()) return x.error();
    x->sealed_credentials.clear();
    page.items.push_back(std::move(x).value());
  }
  return page;
}

Result<bool> PostgresStore::update_source(const Source& x, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Params p;
  p.text(x.tenant).text(x.id);
  bind_settable(p, x).int64(now);
  auto r = (*conn)->exec(
      "UPDATE sources SET name = $3, entity_type = $4, method = $5, uri = $6, region = $7,"
      " pattern = $8, sealed_credentials = $9, schedule_seconds = $10, options_json = $11,"
      " start_after = $12, modified_after_us = $13, batch = $14,"
      " max_consecutive_failures = $15, status = $16, last_error = $17,"
      " next_check_at_us = $18, failures_since_us = $19, updated_at_us = $20"
      " WHERE tenant = $1 AND id = $2",
      p);
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Result<bool> PostgresStore::delete_source(std::string_view tenant, std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("DELETE FROM sources WHERE tenant = $1 AND id = $2",
                         Params().text(tenant).text(id));
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Result<std::optional<Source>> PostgresStore::claim_due_source(std::string_view owner, Micros now,
                                                              Micros lease_duration) {
  SKILLSYNC_TRY(check_claim(owner, lease_duration));
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec(
      "UPDATE sources SET lease_owner = $1, lease_expires_at_us = $3, next_check_at_us = NULL"
      " WHERE id = (SELECT id FROM sources WHERE status = 'active'"
      " AND (next_check_at_us IS NULL OR next_check_at_us <= $2)"
      " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < $2)"
      " ORDER BY next_check_at_us, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
      " RETURNING " SKILLSYNC_SOURCE_COLUMNS,
      Params().text(owner).int64(now).int64(now + lease_duration));
  if (!r.ok()) return r.error();
  return read_optional_source(*r);
}

Status PostgresStore::finish_source_check(std::string_view source_id, std::string_view owner,
                                          const SourceCheckResult& res) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Params p;
  p.text(source_id).text(owner).int64(res.checked_at).int64(res.next_check_at);
  if (res.error) {
    p.text(*res.error);
  } else {
    p.null_text();
  }
  auto r = (*conn)->exec(
      "UPDATE sources SET last_check_at_us = $3, lease_owner = '',"
      " next_check_at_us = CASE WHEN next_check_at_us IS NULL THEN $4"
      " ELSE least(next_check_at_us, $4) END,"
      " lease_expires_at_us = NULL,"
      " status = CASE WHEN $5::text IS NULL THEN status ELSE 'error' END,"
      " last_error = coalesce($5, last_error)"
      " WHERE id = $1 AND lease_owner = $2",
      p);
  if (!r.ok()) return r.error();
  if (r->affected() == 0) {
    return Error{"lease_lost", "source " + std::string(source_id) + " is not held by this check"};
  }
  return ok_status();
}

Result<RecordedFile> PostgresStore::record_source_file(const SourceFile& file) {
  Task none;
  return record_file_and_create_task(file, none);
}

Result<RecordedFile> PostgresStore::record_file_and_create_task(const SourceFile& file,
                                                                const Task& task) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  const PgConn& c = **conn;
  auto tx = Tx::begin(c);
  if (!tx.ok()) return tx.error();
  const Micros now = clock_.now();
  SourceFile row = file;
  if (row.first_seen == 0) row.first_seen = now;
  if (!task.id.empty()) row.task_id = task.id;
  auto ins = c.exec(
      "INSERT INTO source_files (source_id, key, etag, size, last_modified_us, first_seen_us,"
      " task_id, skip_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
      " ON CONFLICT (source_id, key, etag) DO NOTHING",
      Params()
          .text(row.source_id)
          .text(row.key)
          .text(row.etag)
          .int64(static_cast<int64_t>(row.size))
          .int64(row.last_modified)
          .int64(row.first_seen)
          .text(row.task_id)
          .text(row.skip_reason));
  if (!ins.ok()) return ins.error();
  if (ins->affected() == 0) {
    auto r = c.exec(SKILLSYNC_PG_FIND_FILE,
                    Params().text(file.source_id).text(file.key).text(file.etag));
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return Error{"storage_busy", "the ledger row changed; retry"};
    SKILLSYNC_TRY(tx->commit());
    return RecordedFile{read_file(*r, 0).file, false};
  }
  if (!task.id.empty()) {
    Params p;
    bind_task(p, task, task.created_at != 0 ? task.created_at : now);
    auto t = c.exec(SKILLSYNC_PG_INSERT_TASK, p);
    if (!t.ok()) return t.error();
    SKILLSYNC_TRY(notify_tasks(c));
  }
  SKILLSYNC_TRY(tx->commit());
  return RecordedFile{std::move(row), true};
}

Result<SourceFilePage> PostgresStore::list_source_files(std::string_view source_id, size_t limit,
                                                        std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  auto after = decode_seq_page_cursor(cursor);
  if (!after.ok()) return after.error();
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r =
      (*conn)->exec("SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS
                    " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id"
                    " WHERE f.source_id = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3",
                    Params().text(source_id).int64(*after).int64(static_cast<int64_t>(limit) + 1));
  if (!r.ok()) return r.error();
  SourceFilePage page;
  for (int i = 0; i < r->rows(); ++i) {
    if (page.items.size() == limit) {
      page.next_cursor = encode_seq_cursor(r->int64(i - 1, 0));
      break;
    }
    page.items.push_back(read_file(*r, i));
  }
  return page;
}

Result<std::vector<TaskStatus>> PostgresStore::recent_source_task_statuses(
    std::string_view source_id, Micros since, size_t limit) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec(
      "SELECT status FROM tasks WHERE source_id = $1 AND created_at_us >= $2"
      " ORDER BY created_at_us DESC, id DESC LIMIT $3",
      Params().text(source_id).int64(since).int64(clamp_limit(limit)));
  if (!r.ok()) return r.error();
  std::vector<TaskStatus> out;
  for (int i = 0; i < r->rows(); ++i) {
    if (auto st = task_status_from_string(r->text(i, 0))) out.push_back(*st);
  }
  return out;
}

}  // namespace skillsync::store::postgres
