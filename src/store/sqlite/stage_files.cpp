// SqliteStore: a load's run file and its record in the tasks row (see
// stage_files.hpp).
#include "store/sqlite/stage_files.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "common/crypto.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
namespace {

Error io_error(std::string_view what) {
  return Error{"storage_error", std::string(what) + ": " + std::strerror(errno)};
}

std::string stage_dir(Db& db) {
  const char* main = sqlite3_db_filename(db.get(), "main");
  return std::string(main ? main : "") + ".stage";
}

// The bytes of a lower-case hex string (crypto::hex's), or nullopt.
std::optional<std::string> unhex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// Why the file cannot be resumed as `want` says, or ok.
Status check_file(Db& db, std::string_view task_id, const runs::FileState& want) {
  if (want.bytes == 0) return ok_status();  // nothing staged yet: any file is cut to 0
  const std::string path = stage_file_path(db, task_id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("the stage file cannot be opened");
  struct stat st {};
  Status result = ok_status();
  if (::fstat(fd, &st) != 0) {
    result = io_error("the stage file cannot be read");
  } else if (static_cast<uint64_t>(st.st_size) < want.bytes) {
    result = runs::corrupt("it is shorter than recorded");
  } else {
    runs::FdSource src(fd);
    result = runs::verify_file(src, want);
  }
  ::close(fd);
  return result;
}

// Drops what the load staged and reported and its checkpoint, zeroing the
// progress: the load restarts from row 0. Fenced; returns the task.
Result<Task> restart_load(Connection& conn, std::string_view task_id, std::string_view worker_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn.db()));
  SKILLSYNC_TRY(check_owner(conn, task_id, worker_id, false));
  SKILLSYNC_TRY(drop_stage(conn.db(), task_id));
  {
    SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn.query("DELETE FROM row_errors WHERE task_id = ?1"));
    SKILLSYNC_TRY(s.text(task_id).run());
  }
  std::optional<Task> task;
  {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s, conn.query("UPDATE tasks SET staged_rows = 0, bytes_read = 0, rows_read = 0,"
                            " rows_loaded = 0, rows_rejected = 0, rows_superseded = 0,"
                            " stage_bytes = NULL, stage_runs = NULL, stage_crc = NULL,"
                            " " SKILLSYNC_CLEAR_CHECKPOINT
                            " WHERE id = ?1 RETURNING " SKILLSYNC_TASK_COLUMNS));
    SKILLSYNC_ASSIGN_OR_RETURN(task, s.text(task_id).one<Task>(read_task<Row>));
  }
  if (!task) return task_not_found(task_id);
  SKILLSYNC_TRY(tx.commit());
  return std::move(*task);
}

}  // namespace

Result<StageRecord> read_stage_record(Connection& conn, std::string_view task_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s, conn.query("SELECT ckpt_byte_offset IS NOT NULL, stage_bytes, stage_runs,"
                          " stage_crc, staged_rows FROM tasks WHERE id = ?1"));
  SKILLSYNC_ASSIGN_OR_RETURN(auto rec, s.text(task_id).one<StageRecord>([](const Row& r) {
    StageRecord rec;
    rec.checkpoint = r.boolean(0);
    rec.staged_rows = rec.checkpoint ? r.uint64(4) : 0;
    if (!rec.checkpoint) {
      rec.file = runs::FileState{};
    } else if (!r.is_null(1)) {
      rec.file = runs::FileState{r.uint64(1), r.uint64(2), static_cast<uint32_t>(r.int64(3))};
    }
    return rec;
  }));
  if (!rec) return task_not_found(task_id);
  return std::move(*rec);
}

std::string stage_file_path(Db& db, std::string_view task_id) {
  return stage_dir(db) + "/" + crypto::hex(task_id) + ".runs";
}

Status remove_stage_file(Db& db, std::string_view task_id) {
  const std::string path = stage_file_path(db, task_id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return io_error("the stage file cannot be removed");
  }
  return ok_status();
}

Result<StageFile> StageFile::open(Db& db, std::string_view task_id, uint64_t length) {
  const std::string dir = stage_dir(db);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error("the stage directory cannot be created");
  }
  const std::string path = stage_file_path(db, task_id);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("the stage file cannot be opened");
  StageFile f(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("the stage file cannot be read");
  // Cut, never grown: a short file was checked away by the claim.
  if (static_cast<uint64_t>(st.st_size) < length)
    return runs::corrupt("it is shorter than recorded");
  if (static_cast<uint64_t>(st.st_size) > length &&
      ::ftruncate(fd, static_cast<off_t>(length)) != 0) {
    return io_error("the stage file cannot be cut");
  }
  return f;
}

StageFile::StageFile(StageFile&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

StageFile& StageFile::operator=(StageFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

StageFile::~StageFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status StageFile::write_at(uint64_t offset, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("writing the stage file failed");
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return ok_status();
}

Result<Task> check_resumed_stage(Connection& conn, Task task, std::string_view worker_id) {
  if (!task.checkpoint) return task;
  SKILLSYNC_ASSIGN_OR_RETURN(StageRecord rec, read_stage_record(conn, task.id));
  std::string why;
  if (!rec.file) {
    why = "they were staged by an earlier version of skillsync";
  } else if (Status st = check_file(conn.db(), task.id, *rec.file); !st.ok()) {
    why = st.error().message;
  }
  if (why.empty()) return task;
  spdlog::warn("task {}: its staged rows cannot be resumed ({}); the load restarts from row 0",
               task.id, why);
  return restart_load(conn, task.id, worker_id);
}

void remove_stale_stage_files(Db& db) {
  std::error_code ec;
  std::filesystem::directory_iterator it(stage_dir(db), ec);
  if (ec) return;  // no directory: nothing was ever staged
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".runs")) continue;
    const std::optional<std::string> id = unhex(name.substr(0, name.size() - 5));
    if (!id) continue;  // not a name this store makes
    auto s = db.prepare("SELECT status = 'running' FROM tasks WHERE id = ?1");
    if (!s.ok()) return;
    s->bind_text(1, *id);
    auto row = s->step();
    if (!row.ok()) return;
    if (*row && s->column_int64(0) != 0) continue;  // a running task's stage stays
    std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace skillsync::store::sqlite
