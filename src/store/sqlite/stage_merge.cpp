// SqliteStore: publishing a load's runs into events (and counting them for a
// dry run), by a k-way merge in key order (store/runs/run_merge.hpp).
//
// The rows reach events sorted by its primary key, 256 to a prepared upsert,
// so SQLite's b-tree inserts are appends (and the updates of a reload walk
// the tree once, in order) and nothing is sorted inside SQLite. The merge
// runs on a thread of its own, handing blocks of rows to the writing one.
//
// Memory of a publish, whatever the file's size (issue #14: 10M rows load
// with no higher a peak than 1M): the merge's read buffers 4 MiB (up to
// 1,024 runs, ~20M rows; 4 KiB a run past that), 3 row blocks of at most
// 4,096 rows (~1 MiB for rows of ~76 bytes, at most 3 x 16 MiB), and a page
// cache of 2 MiB (kPublishCacheKiB) instead of the pool's 32 MiB: rows come
// in key order, so each b-tree (events and events_by_time, which leads with
// the same tenant and employee) is written along one path and a page, once
// left, is not written again; a larger cache held 30 MiB of pages that were
// never read again. What does grow with the file is SQLite's WAL index
// (the -shm file, mapped): 32 KiB per 4,096 pages written, ~1 MiB for a
// 10M-row publish, which has to be one transaction. Together the publish
// stays below what staging holds (S3 reads, parsing, a batch's sort), so the
// load's peak is staging's, at 1M rows as at 10M (docs/benchmarks.md).
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "store/runs/run_merge.hpp"
#include "store/sqlite/stage_files.hpp"

namespace skillsync::store::sqlite {
namespace {

// The merge's read buffers, in all (see run_merge.hpp for what it buys).
constexpr size_t kMergeBudget = size_t{4} << 20;
// The publish connection's page cache, KiB (see the top of this file).
constexpr int kPublishCacheKiB = 2 << 10;

// Sets the connection's page cache to kPublishCacheKiB for its lifetime and
// back to the pool's after: the connection goes back to the pool. Pages
// over the new limit are freed as they stop being needed.
class PublishCache {
 public:
  static Result<PublishCache> set(Db& db) {
    SKILLSYNC_TRY(db.exec("PRAGMA cache_size = -" + std::to_string(kPublishCacheKiB)));
    return PublishCache(db);
  }
  PublishCache(PublishCache&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  PublishCache(const PublishCache&) = delete;
  PublishCache& operator=(const PublishCache&) = delete;
  PublishCache& operator=(PublishCache&&) = delete;
  ~PublishCache() {
    if (db_ != nullptr) (void)db_->exec("PRAGMA cache_size = -" + std::to_string(kPoolCacheKiB));
  }

 private:
  explicit PublishCache(Db& db) : db_(&db) {}
  Db* db_;
};

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

namespace {

// Rows per upsert statement: a statement's fixed cost (start, halt, its
// statement journal) is paid once per kRowsPerInsert rows. Measured on 1M
// rows (CPU of the writing thread): 1 row 2.5 s, 16 rows 2.1 s, 64 rows
// 1.5 s, 256 rows 1.2-1.25 s, 1,024 rows 1.2-1.3 s, 4,096 rows 2.1 s (the
// statement journal outgrows memory). 7 parameters a row plus 3 of the
// task: 1,795, far below SQLite's 32,766.
constexpr int kRowsPerInsert = 256;
// A block of merged rows holds at most kBlockRows rows, and stops at a
// whole number of statements once it holds kBlockBytes (at 4 x kBlockBytes
// in any case): with 3 blocks in flight, rows of 5 KB (bench/memory_run.sh)
// cost 3 x ~5 MiB, not 3 x 20, and no rows more than 3 x 16 MiB.
constexpr size_t kBlockRows = 4096;
constexpr size_t kBlockBytes = size_t{4} << 20;

// How a group of rows is upserted (see Upserts).
enum class Upsert {
  kAll,        // every column of an existing row is set
  kSameTime,   // ... except timestamp_us, and only where it is unchanged
  kMovedTime,  // every column, only where timestamp_us changed
};

std::string upsert_sql(int rows, Upsert kind) {
  std::string sql =
      "INSERT INTO events (tenant, employee_external_id, external_id, event_type,"
      " timestamp_us, language, content, source, created_at_us, updated_at_us, task_id) VALUES ";
  for (int i = 0; i < rows; ++i) {
    const int p = 4 + 7 * i;
    if (i > 0) sql += ", ";
    sql += "(?1";
    for (int k = 0; k < 7; ++k) sql += ", ?" + std::to_string(p + k);
    sql += ", ?2, ?2, ?3)";
  }
  sql +=
      " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
      " event_type = excluded.event_type,";
  if (kind != Upsert::kSameTime) sql += " timestamp_us = excluded.timestamp_us,";
  sql +=
      " language = excluded.language, content = excluded.content,"
      " source = excluded.source, updated_at_us = excluded.updated_at_us,"
      " task_id = excluded.task_id";
  if (kind == Upsert::kSameTime) sql += " WHERE events.timestamp_us = excluded.timestamp_us";
  if (kind == Upsert::kMovedTime) sql += " WHERE events.timestamp_us <> excluded.timestamp_us";
  return sql;
}

// Merged rows copied out of the readers' buffers, so that many are bound
// at once.
class RowBlock {
 public:
  void clear() {
    bytes_.clear();
    rows_.clear();
  }
  size_t size() const { return rows_.size(); }
  bool full() const {
    if (rows_.size() >= kBlockRows || bytes_.size() >= 4 * kBlockBytes) return true;
    return bytes_.size() >= kBlockBytes && rows_.size() % kRowsPerInsert == 0;
  }
  void add(const runs::EventView& e) {
    Ref r;
    r.timestamp = e.timestamp;
    r.has_source = e.source.has_value();
    const std::string_view fields[6] = {
        e.employee_external_id, e.external_id,
        e.event_type,           e.language,
        e.content_json,         e.source.value_or(std::string_view())};
    for (int i = 0; i < 6; ++i) {
      r.at[i] = bytes_.size();
      r.len[i] = fields[i].size();
      bytes_.append(fields[i]);
    }
    rows_.push_back(r);
  }
  // Binds row i at parameters first .. first + 6.
  void bind(Stmt& s, size_t i, int first) const {
    const Ref& r = rows_[i];
    auto text = [&](int k) { return std::string_view(bytes_).substr(r.at[k], r.len[k]); };
    s.bind_text_static(first, text(0));
    s.bind_text_static(first + 1, text(1));
    s.bind_text_static(first + 2, text(2));
    s.bind_int64(first + 3, r.timestamp);
    s.bind_text_static(first + 4, text(3));
    s.bind_text_static(first + 5, text(4));
    if (r.has_source) {
      s.bind_text_static(first + 6, text(5));
    } else {
      s.bind_null(first + 6);
    }
  }

 private:
  struct Ref {
    size_t at[6];
    size_t len[6];
    Micros timestamp;
    bool has_source;
  };
  std::string bytes_;
  std::vector<Ref> rows_;
};

Status step_once(Db& db, Stmt& s) {
  const int rc = sqlite3_step(s.get());
  sqlite3_reset(s.get());
  if (rc != SQLITE_DONE) return db_error(db.get(), "publishing rows failed");
  return ok_status();
}

Result<Stmt> prepare_upsert(Db& db, int rows, Upsert kind, const Task& task, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(Stmt s, db.prepare(upsert_sql(rows, kind)));
  // Bindings survive sqlite3_reset: the task's are bound once.
  s.bind_text(1, task.tenant);
  s.bind_int64(2, now);
  s.bind_text(3, task.id);
  return s;
}

// The upserts of one publish. Setting timestamp_us moves the row's entry in
// the listing index (events_by_time): about half the cost of an update
// (sqlite3 shell, 1M rows reloaded: 2.4 s CPU with it, 1.3 s without). A
// reload mostly rewrites rows whose time did not change, so a group of rows
// goes through kSameTime (new keys inserted, rows of unchanged time
// updated, the others left) and, only when SQLite counts fewer changes than
// rows, through kMovedTime for the rest: the same result as kAll. A block
// whose rows mostly moved sends the next blocks through kAll in one
// statement, trying the split again every kProbeEvery blocks.
class Upserts {
 public:
  static Result<Upserts> prepare(Db& db, const Task& task, Micros now) {
    Upserts u;
    SKILLSYNC_ASSIGN_OR_RETURN(u.same_,
                               prepare_upsert(db, kRowsPerInsert, Upsert::kSameTime, task, now));
    SKILLSYNC_ASSIGN_OR_RETURN(u.moved_,
                               prepare_upsert(db, kRowsPerInsert, Upsert::kMovedTime, task, now));
    SKILLSYNC_ASSIGN_OR_RETURN(u.all_, prepare_upsert(db, kRowsPerInsert, Upsert::kAll, task, now));
    SKILLSYNC_ASSIGN_OR_RETURN(u.one_, prepare_upsert(db, 1, Upsert::kAll, task, now));
    return u;
  }

  // Upserts every row of `block`: kRowsPerInsert at a time, the rest one by one.
  Status write(Db& db, const RowBlock& block) {
    size_t moved = 0;
    size_t i = 0;
    for (; i + kRowsPerInsert <= block.size(); i += kRowsPerInsert) {
      if (!split_) {
        SKILLSYNC_TRY(run_group(db, block, i, all_));
        continue;
      }
      SKILLSYNC_TRY(run_group(db, block, i, same_));
      const auto changed = static_cast<size_t>(db.changes());
      if (changed < kRowsPerInsert) {
        moved += kRowsPerInsert - changed;
        SKILLSYNC_TRY(run_group(db, block, i, moved_));
      }
    }
    for (; i < block.size(); ++i) {
      block.bind(one_, i, 4);
      SKILLSYNC_TRY(step_once(db, one_));
    }
    if (split_) {
      split_ = moved * 4 < block.size();
    } else if (++unsplit_blocks_ >= kProbeEvery) {
      split_ = true;
      unsplit_blocks_ = 0;
    }
    return ok_status();
  }

 private:
  static constexpr int kProbeEvery = 8;
  Status run_group(Db& db, const RowBlock& block, size_t first, Stmt& s) {
    for (int k = 0; k < kRowsPerInsert; ++k)
      block.bind(s, first + static_cast<size_t>(k), 4 + 7 * k);
    return step_once(db, s);
  }

  Stmt same_, moved_, all_, one_;
  bool split_ = true;
  int unsplit_blocks_ = 0;
};

// Blocks of merged rows passed from the merging thread to the writing one:
// the merge (reads, CRCs, the heap, copies) runs on the second core while
// SQLite writes. At most kBlocks blocks exist.
class BlockPipe {
 public:
  static constexpr size_t kBlocks = 3;
  BlockPipe() {
    for (size_t i = 0; i < kBlocks; ++i) empty_.push_back(std::make_unique<RowBlock>());
  }
  // Merging side: an empty block to fill (nullptr once the writer stopped).
  std::unique_ptr<RowBlock> take_empty() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || !empty_.empty(); });
    if (stopped_) return nullptr;
    auto b = std::move(empty_.front());
    empty_.pop_front();
    return b;
  }
  // Merging side: hands over a filled block; `last` ends the stream, with
  // `error` if the merge failed.
  void put_full(std::unique_ptr<RowBlock> b, bool last, std::optional<Error> error) {
    std::lock_guard lock(mu_);
    if (b) full_.push_back(std::move(b));
    if (last) {
      finished_ = true;
      error_ = std::move(error);
    }
    cv_.notify_all();
  }
  // Writing side: the next filled block, or nullptr at the end.
  std::unique_ptr<RowBlock> take_full() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_ || !full_.empty(); });
    if (full_.empty()) return nullptr;
    auto b = std::move(full_.front());
    full_.pop_front();
    return b;
  }
  void give_back(std::unique_ptr<RowBlock> b) {
    std::lock_guard lock(mu_);
    empty_.push_back(std::move(b));
    cv_.notify_all();
  }
  // Writing side: stops the merging side (on a write error, or at the end).
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  std::optional<Error> error() {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<RowBlock>> empty_, full_;
  bool finished_ = false;
  bool stopped_ = false;
  std::optional<Error> error_;
};

// The merging thread's work: blocks of merged rows until the end.
void merge_blocks(runs::Merger& merger, BlockPipe& pipe) {
  for (;;) {
    std::unique_ptr<RowBlock> b = pipe.take_empty();
    if (!b) return;
    b->clear();
    while (!b->full()) {
      Result<bool> more = merger.next();
      if (!more.ok()) return pipe.put_full(nullptr, true, more.error());
      if (!*more) return pipe.put_full(std::move(b), true, std::nullopt);
      b->add(merger.row());
    }
    pipe.put_full(std::move(b), false, std::nullopt);
  }
}

}  // namespace

Result<uint64_t> merge_into_events(Db& db, StageFile& f, const runs::FileState& file,
                                   const Task& task, Micros now) {
  runs::FdSource src(f.fd());
  SKILLSYNC_ASSIGN_OR_RETURN(auto list, runs_of(src, file));
  SKILLSYNC_ASSIGN_OR_RETURN(Upserts upserts, Upserts::prepare(db, task, now));
  SKILLSYNC_ASSIGN_OR_RETURN(PublishCache cache, PublishCache::set(db));
  runs::Merger merger(src, list, kMergeBudget);
  BlockPipe pipe;
  std::thread merging([&] { merge_blocks(merger, pipe); });
  Status written = ok_status();
  uint64_t n = 0;
  while (auto block = pipe.take_full()) {
    written = upserts.write(db, *block);
    if (!written.ok()) break;
    n += block->size();
    pipe.give_back(std::move(block));
  }
  pipe.stop();
  merging.join();
  SKILLSYNC_TRY(written);
  if (auto error = pipe.error()) return *error;
  return n;
}

}  // namespace skillsync::store::sqlite
