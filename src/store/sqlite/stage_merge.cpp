// SqliteStore: publishing a load's runs into events (and counting them for a
// dry run), by a k-way merge in key order (store/runs/run_merge.hpp).
//
// The rows reach events sorted by its primary key, one prepared upsert
// each, so SQLite's b-tree inserts are appends (and the updates of a reload
// walk the tree once, in order) and nothing is sorted inside SQLite.
#include "store/runs/run_merge.hpp"
#include "store/sqlite/stage_files.hpp"

namespace skillsync::store::sqlite {
namespace {

// The merge's read buffers, in all (see run_merge.hpp for what it buys).
constexpr size_t kMergeBudget = size_t{16} << 20;

Result<std::vector<runs::RunInfo>> runs_of(runs::ByteSource& src, const runs::FileState& file) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto list, runs::list_runs(src, file.bytes));
  if (list.size() != file.runs) return runs::corrupt("it holds another number of runs");
  return list;
}

}  // namespace

Result<uint64_t> count_distinct_keys(StageFile& f, const runs::FileState& file) {
  runs::FdSource src(f.fd());
  SKILLSYNC_ASSIGN_OR_RETURN(auto list, runs_of(src, file));
  runs::Merger merger(src, list, kMergeBudget);
  uint64_t n = 0;
  for (;;) {
    SKILLSYNC_ASSIGN_OR_RETURN(bool more, merger.next());
    if (!more) return n;
    ++n;
  }
}

Result<uint64_t> merge_into_events(Db& db, StageFile& f, const runs::FileState& file,
                                   const Task& task, Micros now) {
  runs::FdSource src(f.fd());
  SKILLSYNC_ASSIGN_OR_RETURN(auto list, runs_of(src, file));
  SKILLSYNC_ASSIGN_OR_RETURN(
      Stmt upsert,
      db.prepare("INSERT INTO events (tenant, employee_external_id, external_id, event_type,"
                 " timestamp_us, language, content, source, created_at_us, updated_at_us,"
                 " task_id) VALUES (?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?2, ?2, ?3)"
                 " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
                 " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
                 " language = excluded.language, content = excluded.content,"
                 " source = excluded.source, updated_at_us = excluded.updated_at_us,"
                 " task_id = excluded.task_id"));
  // Bindings survive sqlite3_reset: the task's are bound once.
  upsert.bind_text(1, task.tenant);
  upsert.bind_int64(2, now);
  upsert.bind_text(3, task.id);
  runs::Merger merger(src, list, kMergeBudget);
  uint64_t n = 0;
  for (;;) {
    SKILLSYNC_ASSIGN_OR_RETURN(bool more, merger.next());
    if (!more) return n;
    // The row's bytes stay in the merger's buffer until next(): no copies.
    const runs::EventView& e = merger.row();
    upsert.bind_text_static(4, e.employee_external_id);
    upsert.bind_text_static(5, e.external_id);
    upsert.bind_text_static(6, e.event_type);
    upsert.bind_int64(7, e.timestamp);
    upsert.bind_text_static(8, e.language);
    upsert.bind_text_static(9, e.content_json);
    if (e.source) {
      upsert.bind_text_static(10, *e.source);
    } else {
      upsert.bind_null(10);
    }
    const int rc = sqlite3_step(upsert.get());
    sqlite3_reset(upsert.get());
    if (rc != SQLITE_DONE) return db_error(db.get(), "publishing a row failed");
    ++n;
  }
}

}  // namespace skillsync::store::sqlite
