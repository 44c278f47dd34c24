// SqliteStore: opening the file (the calls both stores run alike:
// store/sql_store.hpp).
#include "store/sqlite/sqlite_store.hpp"

#include "store/cursor.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/sqlite/stage_files.hpp"

namespace skillsync::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, const Clock& clock) {
  if (path.empty() || path == ":memory:" || path.starts_with("file::memory:")) {
    return Error{"invalid_argument",
                 "the SQLite store needs a file path, not an in-memory database"};
  }
  auto conn = sqlite::ConnectionPool::open_connection(path);
  if (!conn.ok()) return conn.error();
  sqlite::Db& db = (*conn)->db();
  // A new file gets 16 KiB pages: a load's upsert into events writes a
  // quarter of the pages, frames and b-tree levels, about 30% less CPU
  // (docs/architecture.md). It only takes effect before the first table;
  // an existing file keeps its page size.
  SKILLSYNC_TRY(db.exec("PRAGMA page_size = 16384"));
  // WAL is a property of the file: readers never block the writer, and the
  // HTTP threads keep answering while a load commits its batches.
  {
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return mode.error();
    auto row = mode->step();
    if (!row.ok()) return row.error();
    if (!row.value() || mode->column_text(0) != "wal") {
      return Error{"storage_error", "cannot put database " + path + " in WAL mode"};
    }
  }  // finalized here: an unfinished statement would block the migration's COMMIT
  SKILLSYNC_TRY(sqlite::migrate(db));
  sqlite::remove_stale_stage_files(db);
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(path, clock));
}

}  // namespace skillsync::store
