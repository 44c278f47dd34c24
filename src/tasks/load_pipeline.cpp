// LoadPipeline: object -> (decompress) -> (to UTF-8) -> CSV records ->
// validated events -> staged batches, each with a checkpoint -> one atomic
// publish. Bad rows become RowErrors; they never stop the load.
//
// Exactly once: a batch's rows, its row errors and the checkpoint that says
// where the file stands after it are written in one transaction. A task
// reclaimed after a crash continues from that checkpoint (plain UTF-8 files;
// compressed or transcoded ones restart from the first byte), and rows become
// visible only at publish, so no row is lost or loaded twice.
//
// A prefix load reads its files one after the other through the same
// stager: the checkpoint names the file its offset is in (ResumeState::file),
// so a resumed load reopens that file, pinned to its ETag, and goes on with
// the later keys of a fresh listing.
//
// Stopping: shutdown (`stop`), a cancel request and a lost lease are looked
// at between records, and they also interrupt a read that waits on the
// network (LeaseKeeper::interrupt() reaches the S3 download), so a stalled
// download does not hold them up: the read fails with "cancelled" and the
// load ends the way the cause asks for.
#include <spdlog/spdlog.h>

#include "common/cancel.hpp"
#include "csv/csv.hpp"
#include "tasks/batch_stager.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/load_files.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks {
using internal::FileReader;
using internal::LoadSource;
using internal::ResumeState;
namespace {

constexpr size_t kMaxRawBytes = 4096;

std::string cut_raw(std::string_view raw) {
  return std::string(raw.substr(0, std::min(raw.size(), kMaxRawBytes)));
}

std::string column_name(const std::vector<std::string>& names, size_t column_1based) {
  if (column_1based == 0 || column_1based > names.size()) return "";
  return names[column_1based - 1];
}

// The error that ends a task because of its rejected rows, if any.
std::optional<Error> rejection_policy(const LoadOptions& options, const store::Progress& progress,
                                      const std::vector<store::RowError>& batch_errors) {
  if (progress.rows_rejected == 0) return std::nullopt;
  if (options.on_error == OnError::kAbort && !batch_errors.empty()) {
    const store::RowError& e = batch_errors.back();
    const std::string where = e.file.empty() ? "" : "file " + e.file + " ";
    return Error{"rejected_rows_abort",
                 where + "line " + std::to_string(e.line) + " was rejected (" + e.code + ": " +
                     e.message + "); on_error is abort, so nothing of the file was stored"};
  }
  if (options.max_rejected_rows && progress.rows_rejected > *options.max_rejected_rows) {
    return Error{"too_many_rejected_rows",
                 "more than " + std::to_string(*options.max_rejected_rows) +
                     " rows were rejected (max_rejected_rows); nothing of the file was stored"};
  }
  return std::nullopt;
}

// How a load loop ends.
enum class Outcome { kDone, kFailed, kStopped, kCancelled, kLost };

// Records a task's end, retrying every second while the store refuses it (a
// full disk, a passing storage error) for at most `retry_for` or until
// `stop`; the heartbeat keeps the task this worker's meanwhile. True once
// recorded. The log says what the API shows: the task is `running` while
// the end is retried, and stays so, to be run again after its lease, when
// it cannot be recorded at all.
bool record_end(store::Store& store, const Clock& clock, const store::Task& task,
                const std::string& worker, store::TaskStatus status,
                const std::optional<store::TaskError>& err, const store::Progress& progress,
                std::chrono::milliseconds retry_for, const CancellationToken& stop) {
  const auto give_up = std::chrono::steady_clock::now() + retry_for;
  for (int attempt = 1;; ++attempt) {
    Status s = store.finish_task(task.id, worker, status, err, progress, clock.now());
    if (s.ok()) {
      if (attempt > 1) spdlog::info("task {}: its end is recorded (attempt {})", task.id, attempt);
      return true;
    }
    const Error& e = s.error();
    if (e.code == "lease_lost" || e.code == "not_found") {
      spdlog::warn("task {}: cannot record its end: {}", task.id, e.message);
      return false;
    }
    if (attempt == 1) {
      spdlog::error(
          "task {}: cannot record its end ({}) yet: {}: {}; it shows running while "
          "this worker retries every second",
          task.id, store::to_string(status), e.code, e.message);
    }
    if (std::chrono::steady_clock::now() >= give_up ||
        !sleep_unless_cancelled(std::chrono::seconds(1), &stop)) {
      spdlog::error(
          "task {}: its end ({}) could not be recorded; it shows running until its "
          "lease expires, then a worker runs it again",
          task.id, store::to_string(status));
      return false;
    }
  }
}

}  // namespace

store::TaskStatus LoadPipeline::run(const store::Task& task, std::string_view worker_id,
                                    const CancellationToken& stop) {
  using store::TaskStatus;
  const Micros started = clock_.now();
  const std::string worker(worker_id);
  store::Progress progress = task.checkpoint ? task.checkpoint->progress : store::Progress{};
  std::unique_ptr<store::TaskWriter> writer;

  auto finish = [&](TaskStatus status, std::optional<Error> e) {
    if (writer) (void)writer->discard();
    std::optional<store::TaskError> err;
    if (e) err = store::TaskError{e->code, e->message};
    const auto retry_for = std::chrono::milliseconds(config_.lease_duration / 2000);
    if (!record_end(store_, clock_, task, worker, status, err, progress, retry_for, stop)) {
      return TaskStatus::kRunning;
    }
    if (e) {
      spdlog::info("task {} {}: {}: {}", task.id, store::to_string(status), e->code, e->message);
    } else {
      spdlog::info("task {} {}", task.id, store::to_string(status));
    }
    return status;
  };
  auto fail = [&](const Error& e) { return finish(TaskStatus::kFailed, e); };
  auto cancelled = [&] { return finish(TaskStatus::kCancelled, std::nullopt); };
  // Shutdown: the staged batches and their checkpoint stay; the task is
  // handed back so the next process continues where this one stopped.
  auto interrupted = [&] {
    writer.reset();
    Status s = store_.release_lease(task.id, worker);
    spdlog::info("task {} paused by shutdown{}", task.id,
                 s.ok() ? "; it continues after restart" : ": " + s.error().message);
    return TaskStatus::kRunning;
  };
  auto lost = [&] {
    writer.reset();  // another worker owns the task: touch nothing
    spdlog::warn("task {}: another worker took it over; this one stops", task.id);
    return TaskStatus::kRunning;
  };

  if (task.cancel_requested_at) return cancelled();
  const schema::EntityDef* entity = schema::find_entity(task.entity_type);
  if (entity == nullptr) {
    return fail({"unknown_entity_type", "unknown entity type '" + task.entity_type + "'"});
  }
  auto options = load_options_from_json(task.options_json);
  if (!options.ok()) return fail(options.error());

  auto source = LoadSource::make(task, key_, opener_);
  if (!source.ok()) return fail(source.error());
  const auto& files = (*source)->files();

  // Continue from the checkpoint when the file allows it; otherwise start over.
  ResumeState resume;
  std::vector<std::string> header_names;
  size_t index = 0;  // the file being read
  if (task.checkpoint) {
    resume = internal::resume_state_from_json(task.checkpoint->state_json);
    auto names = internal::header_from_json(task.checkpoint->header_json);
    std::optional<size_t> at = (*source)->is_prefix() ? (*source)->find(resume.file) : 0;
    if (resume.resumable && names && task.checkpoint->byte_offset > 0 && at) {
      header_names = std::move(*names);
      index = *at;
    } else if (resume.resumable && names && task.checkpoint->byte_offset > 0) {
      return fail({"object_changed",
                   "file " + resume.file + " was being loaded and is no longer under the prefix"});
    } else {
      resume = {};
      if (Status s = store_.reset_load(task.id, worker); !s.ok()) return fail(s.error());
      progress = {};
    }
  }
  const bool resuming = !header_names.empty();
  // Bytes of the files before the current one (a prefix load).
  uint64_t done_bytes = 0;
  for (size_t i = 0; i < index; ++i) done_bytes += files[i].size;
  LeaseKeeper lease(store_, clock_, task.id, worker, config_.lease_duration,
                    config_.heartbeat_interval, &stop);
  // Why a read failed with "cancelled": only the interrupt token makes the
  // source fail so, and it is set only after one of these holds.
  auto interruption = [&](const Error& e) -> std::optional<Outcome> {
    if (e.code != "cancelled") return std::nullopt;
    if (stop.cancelled()) return Outcome::kStopped;
    if (lease.lost()) return Outcome::kLost;
    if (lease.cancel_requested()) return Outcome::kCancelled;
    return std::nullopt;
  };
  // How a run that does not reach the publish ends (`e` for kFailed).
  auto end_as = [&](Outcome o, const Error& e) {
    switch (o) {
      case Outcome::kStopped:
        return interrupted();
      case Outcome::kLost:
        return lost();
      case Outcome::kCancelled:
        return cancelled();
      default:
        return fail(e);
    }
  };

  // Opens files[i] (from `at` when resuming it) and checks its header.
  auto open_file = [&](size_t i,
                       std::optional<csv::Position> at) -> Result<std::unique_ptr<FileReader>> {
    const std::string& pin = at ? resume.etag : files[i].etag;
    auto opened = (*source)->open(i, at ? at->byte_offset : 0, pin, lease.interrupt());
    if (!opened.ok()) return opened.error();
    // Known before the header is read, so that a task failing on it shows it.
    if (!(*source)->is_prefix()) progress.bytes_total = opened->size;
    auto file = std::make_unique<FileReader>(std::move(*opened), *options, at);
    if (at) return file;
    auto names = file->read_header(files[i].key);
    if (!names.ok()) return names.error();
    if (header_names.empty()) {
      header_names = std::move(*names);
    } else if (auto diff = internal::header_difference(header_names, *names)) {
      return Error{"header_mismatch", "file " + files[i].key + " has another header than " +
                                          files[0].key + ": " + *diff};
    }
    return file;
  };
  std::optional<csv::Position> start;
  if (resuming) {
    start = csv::Position{task.checkpoint->byte_offset, task.checkpoint->line, resume.after_cr};
  }
  if ((*source)->is_prefix()) progress.bytes_total = (*source)->listed_bytes();
  auto first_file = open_file(index, start);
  if (!first_file.ok()) {
    // Nothing was staged in this run yet: the checkpoint stays as it was.
    return end_as(interruption(first_file.error()).value_or(Outcome::kFailed), first_file.error());
  }
  std::unique_ptr<FileReader> file = std::move(*first_file);

  std::vector<std::string_view> header(header_names.begin(), header_names.end());
  auto binding = schema::HeaderBinding::bind(*entity, header, options->ignore_unknown_columns);
  if (!binding.ok()) return fail(binding.error());
  const std::string header_json = internal::header_to_json(header_names);

  auto begun = store_.begin_load(task, worker);
  if (!begun.ok()) return fail(begun.error());
  writer = std::move(*begun);
  uint64_t batches = task.checkpoint && resuming ? task.checkpoint->batches : 0;

  Outcome outcome = Outcome::kDone;
  Error failure;
  Status staged;
  {
    BatchStager stager(*writer, config_.batch_rows, config_.batch_bytes);
    schema::RowMapper mapper(*binding);
    schema::FieldError field_error;
    Batch* batch = stager.acquire();
    auto hand_over = [&] {
      progress.bytes_read = done_bytes + file->raw_bytes_read();
      progress.rows_loaded += batch->count;
      const csv::Position at = file->records().position();
      resume.resumable = file->resumable();
      resume.after_cr = at.after_cr;
      resume.file = files[index].key;
      resume.etag = file->etag();
      batch->checkpoint = {at.byte_offset, at.line,   progress,
                           header_json,    ++batches, internal::to_json(resume)};
      stager.submit(batch);
      batch = stager.acquire();
      return batch != nullptr;
    };
    for (;;) {
      if (batch == nullptr) break;  // a write failed; close() reports it
      if (stop.cancelled()) {
        // Stage what was read, with its checkpoint, then hand the task back.
        outcome = Outcome::kStopped;
        hand_over();
        break;
      }
      if (lease.lost()) {
        outcome = Outcome::kLost;
        break;
      }
      if (lease.cancel_requested()) {
        outcome = Outcome::kCancelled;
        break;
      }
      csv::RecordReader& reader = file->records();
      auto item = reader.next();
      if (!item.ok()) {
        if (auto why = interruption(item.error())) {
          // Interrupted mid-read: the batch is dropped, not staged, because
          // the reader may stand inside a record; a resumed load reads its
          // rows again from the last staged checkpoint.
          outcome = *why;
          break;
        }
        outcome = Outcome::kFailed;
        failure = item.error();
        break;
      }
      if (*item == csv::RecordReader::Item::kEnd) {
        if (index + 1 == files.size()) break;
        // The next file of a prefix: its rows follow in the same batches.
        auto next = open_file(index + 1, std::nullopt);
        if (!next.ok()) {
          if (auto why = interruption(next.error())) {
            outcome = *why;  // as above: the batch is not staged
            break;
          }
          outcome = Outcome::kFailed;
          failure = next.error();
          break;
        }
        done_bytes += file->raw_bytes_read();
        ++index;
        file = std::move(*next);
        continue;
      }
      ++progress.rows_read;
      if (*item == csv::RecordReader::Item::kRecord) {
        const csv::Record& rec = reader.record();
        schema::Event& event = batch->next_slot();
        if (mapper.map(rec.fields, event, field_error)) {
          event.event_type = entity->event_type;
          ++batch->count;
        } else {
          ++progress.rows_rejected;
          batch->errors.push_back({rec.line, rec.byte_offset, field_error.field, field_error.code,
                                   field_error.message, cut_raw(rec.raw), files[index].key});
        }
      } else {
        const csv::RecordError& e = reader.error();
        ++progress.rows_rejected;
        batch->errors.push_back({e.line, e.byte_offset, column_name(header_names, e.column), e.code,
                                 e.message, cut_raw(e.raw), files[index].key});
      }
      if (auto policy = rejection_policy(*options, progress, batch->errors)) {
        // Keep the report of what was rejected, but none of the file's rows.
        batch->count = 0;
        hand_over();
        outcome = Outcome::kFailed;
        failure = *policy;
        break;
      }
      if (batch->full() && !hand_over()) break;
    }
    if (outcome == Outcome::kDone && batch != nullptr) hand_over();
    staged = stager.close();
  }
  if (!staged.ok()) {
    if (staged.error().code == "lease_lost") return lost();
    if (staged.error().code == "cancelled") return cancelled();
    return fail(staged.error());
  }
  if (outcome != Outcome::kDone) return end_as(outcome, failure);

  progress.bytes_read = done_bytes + file->raw_bytes_read();
  TaskStatus final_status =
      progress.rows_rejected > 0 ? TaskStatus::kCompletedWithErrors : TaskStatus::kCompleted;
  if (options->dry_run) {
    auto superseded = writer->count_superseded();
    if (!superseded.ok()) return fail(superseded.error());
    progress.rows_superseded = *superseded;
    lease.finishing();
    Status s = writer->finish_dry_run(final_status, progress);
    writer.reset();
    if (!s.ok()) {
      if (s.error().code == "lease_lost") return lost();
      if (s.error().code == "cancelled") return cancelled();
      return fail(s.error());
    }
  } else {
    // Operators (and the crash tests) see when the one long transaction starts.
    spdlog::info("task {} publishing {} staged rows", task.id, progress.rows_loaded);
    lease.finishing();
    auto published = writer->publish(final_status, progress);
    writer.reset();
    if (!published.ok()) {
      if (published.error().code == "lease_lost") return lost();
      if (published.error().code == "cancelled") return cancelled();
      return fail(published.error());
    }
  }
  double secs = double(clock_.now() - started) / 1e6;
  spdlog::info("task {} {}{}: rows_read={} rows_loaded={} rows_rejected={} bytes={} in {:.2f}s",
               task.id, store::to_string(final_status), options->dry_run ? " (dry run)" : "",
               progress.rows_read, progress.rows_loaded, progress.rows_rejected,
               progress.bytes_read, secs);
  return final_status;
}

}  // namespace skillsync::tasks
