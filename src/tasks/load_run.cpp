// LoadRun: one run of a claimed task, step by step. See load_run.hpp for the
// steps, load_pipeline.cpp for what a load guarantees (exactly once,
// resuming, stopping).
#include "tasks/load_run.hpp"

#include <spdlog/spdlog.h>

namespace skillsync::tasks::internal {
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

}  // namespace

LoadRun::LoadRun(store::Store& store, ObjectOpener& opener, const MasterKey& key,
                 const Clock& clock, const PipelineConfig& config, const store::Task& task,
                 std::string_view worker, const CancellationToken& stop)
    : store_(store),
      opener_(opener),
      key_(key),
      clock_(clock),
      config_(config),
      task_(task),
      worker_(worker),
      stop_(stop),
      started_(clock.now()),
      progress_(task.checkpoint ? task.checkpoint->progress : store::Progress{}) {}

store::TaskStatus LoadRun::run() {
  if (task_.cancel_requested_at) return end({Outcome::kCancelled, {}});
  if (Status s = open_source(); !s.ok()) return end({Outcome::kFailed, s.error()});
  if (Status s = open_first_file(); !s.ok()) {
    // Nothing was staged in this run yet: the checkpoint stays as it was.
    return end({outcome_of_read(s.error()), s.error()});
  }
  if (Status s = bind_header(); !s.ok()) return end({Outcome::kFailed, s.error()});
  return end(stage_rows());
}

Status LoadRun::open_source() {
  entity_ = schema::find_entity(task_.entity_type);
  if (entity_ == nullptr) {
    return Error{"unknown_entity_type", "unknown entity type '" + task_.entity_type + "'"};
  }
  SKILLSYNC_ASSIGN_OR_RETURN(options_, load_options_from_json(task_.options_json));
  std::vector<store::TaskObject> objects;  // a "per_check" source's task loads its own list
  if (!task_.source_id.empty()) {
    SKILLSYNC_ASSIGN_OR_RETURN(objects, store_.list_task_objects(task_.id));
  }
  SKILLSYNC_ASSIGN_OR_RETURN(source_, LoadSource::make(task_, key_, opener_, std::move(objects)));
  SKILLSYNC_TRY(resume_from_checkpoint());
  for (size_t i = 0; i < index_; ++i) done_bytes_ += source_->files()[i].size;
  lease_.emplace(store_, clock_, task_.id, worker_, config_.lease_duration,
                 config_.heartbeat_interval, &stop_);
  return ok_status();
}

// Continues from the checkpoint when the file allows it; otherwise starts over.
Status LoadRun::resume_from_checkpoint() {
  if (!task_.checkpoint) return ok_status();
  resume_ = resume_state_from_json(task_.checkpoint->state_json);
  auto names = header_from_json(task_.checkpoint->header_json);
  std::optional<size_t> at = source_->is_prefix() ? source_->find(resume_.file) : 0;
  if (resume_.resumable && names && task_.checkpoint->byte_offset > 0) {
    if (!at) {
      return Error{"object_changed",
                   "file " + resume_.file + " was being loaded and is no longer under the prefix"};
    }
    header_names_ = std::move(*names);
    index_ = *at;
    resuming_ = !header_names_.empty();
    return ok_status();
  }
  resume_ = {};
  SKILLSYNC_TRY(store_.reset_load(task_.id, worker_));
  progress_ = {};
  return ok_status();
}

Status LoadRun::open_first_file() {
  std::optional<csv::Position> start;
  if (resuming_) {
    start = csv::Position{task_.checkpoint->byte_offset, task_.checkpoint->line, resume_.after_cr};
  }
  if (source_->is_prefix()) progress_.bytes_total = source_->listed_bytes();
  SKILLSYNC_ASSIGN_OR_RETURN(file_, open_file(index_, start));
  return ok_status();
}

// Opens file i (from `at` when resuming it) and checks its header: the one
// place that opens the source.
Result<std::unique_ptr<FileReader>> LoadRun::open_file(size_t i, std::optional<csv::Position> at) {
  const SourceFile& wanted = source_->files()[i];
  const std::string& pin = at ? resume_.etag : wanted.etag;
  SKILLSYNC_ASSIGN_OR_RETURN(auto opened,
                             source_->open(i, at ? at->byte_offset : 0, pin, lease_->interrupt()));
  // Known before the header is read, so that a task failing on it shows it.
  if (!source_->is_prefix()) progress_.bytes_total = opened.size;
  auto file = std::make_unique<FileReader>(std::move(opened), options_, at);
  if (at) return file;
  SKILLSYNC_ASSIGN_OR_RETURN(auto names, file->read_header(wanted.key));
  if (header_names_.empty()) {
    header_names_ = std::move(names);
  } else if (auto diff = header_difference(header_names_, names)) {
    return Error{"header_mismatch", "file " + wanted.key + " has another header than " +
                                        source_->files()[0].key + ": " + *diff};
  }
  return file;
}

Status LoadRun::bind_header() {
  std::vector<std::string_view> header(header_names_.begin(), header_names_.end());
  SKILLSYNC_ASSIGN_OR_RETURN(
      auto binding, schema::HeaderBinding::bind(*entity_, header, options_.ignore_unknown_columns));
  binding_.emplace(std::move(binding));
  header_json_ = header_to_json(header_names_);
  SKILLSYNC_ASSIGN_OR_RETURN(writer_, store_.begin_load(task_, worker_));
  batches_ = resuming_ ? task_.checkpoint->batches : 0;
  return ok_status();
}

// Why the run must stop now, if it must: shutdown, a lost lease, a cancel.
std::optional<Outcome> LoadRun::signalled() const {
  if (stop_.cancelled()) return Outcome::kStopped;
  if (lease_->lost()) return Outcome::kLost;
  if (lease_->cancel_requested()) return Outcome::kCancelled;
  return std::nullopt;
}

// Only the interrupt token makes the source fail with "cancelled", and it is
// set only after one of the signals holds.
Outcome LoadRun::outcome_of_read(const Error& e) const {
  if (!e.is(Errc::kCancelled)) return Outcome::kFailed;
  return signalled().value_or(Outcome::kFailed);
}

LoadEnd LoadRun::stage_rows() {
  LoadEnd how;
  Status staged;
  {
    BatchStager stager(*writer_, config_.batch_rows, config_.batch_bytes);
    how = read_loop(stager);
    staged = stager.close();
  }
  if (!staged.ok()) return end_of_refused_write(staged.error());
  return how;
}

LoadEnd LoadRun::read_loop(BatchStager& stager) {
  schema::RowMapper mapper(*binding_);
  Batch* batch = stager.acquire();
  while (batch != nullptr) {  // nullptr: a write failed; close() reports it
    if (auto why = signalled()) {
      // A shutdown stages what was read, with its checkpoint, then hands the
      // task back.
      if (*why == Outcome::kStopped) hand_over(stager, batch);
      return {*why, {}};
    }
    auto item = file_->records().next();
    if (!item.ok()) {
      // Interrupted mid-read: the batch is dropped, not staged, because the
      // reader may stand inside a record; a resumed load reads its rows
      // again from the last staged checkpoint.
      return {outcome_of_read(item.error()), item.error()};
    }
    if (*item == csv::RecordReader::Item::kEnd) {
      if (index_ + 1 == source_->files().size()) {
        hand_over(stager, batch);
        return {};
      }
      // The next file of a prefix: its rows follow in the same batches. An
      // interrupted open drops the batch, as above.
      if (Status s = next_file(); !s.ok()) return {outcome_of_read(s.error()), s.error()};
      continue;
    }
    take_row(*item, mapper, *batch);
    if (auto policy = rejection_policy(options_, progress_, batch->errors)) {
      // Keep the report of what was rejected, but none of the file's rows.
      batch->count = 0;
      hand_over(stager, batch);
      return {Outcome::kFailed, *policy};
    }
    if (batch->full()) hand_over(stager, batch);
  }
  return {};
}

Status LoadRun::next_file() {
  SKILLSYNC_ASSIGN_OR_RETURN(auto next, open_file(index_ + 1, std::nullopt));
  done_bytes_ += file_->raw_bytes_read();
  ++index_;
  file_ = std::move(next);
  return ok_status();
}

// Adds the record (an event, or a row error) or the record error that the
// reader just returned to `batch`.
void LoadRun::take_row(csv::RecordReader::Item item, schema::RowMapper& mapper, Batch& batch) {
  const std::string& file = source_->files()[index_].key;
  csv::RecordReader& reader = file_->records();
  ++progress_.rows_read;
  if (item == csv::RecordReader::Item::kRecord) {
    const csv::Record& rec = reader.record();
    schema::Event& event = batch.next_slot();
    if (mapper.map(rec.fields, event, field_error_)) {  // sets event.event_type too
      ++batch.count;
    } else {
      ++progress_.rows_rejected;
      batch.errors.push_back({rec.line, rec.byte_offset, field_error_.field, field_error_.code,
                              field_error_.message, cut_raw(rec.raw), file});
    }
  } else {
    const csv::RecordError& e = reader.error();
    ++progress_.rows_rejected;
    batch.errors.push_back({e.line, e.byte_offset, column_name(header_names_, e.column), e.code,
                            e.message, cut_raw(e.raw), file});
  }
}

// Stages `batch` with the checkpoint after its rows and takes the next one
// (nullptr once a write failed).
void LoadRun::hand_over(BatchStager& stager, Batch*& batch) {
  progress_.bytes_read = done_bytes_ + file_->raw_bytes_read();
  progress_.rows_loaded += batch->count;
  const csv::Position at = file_->records().position();
  resume_.resumable = file_->resumable();
  resume_.after_cr = at.after_cr;
  resume_.file = source_->files()[index_].key;
  resume_.etag = file_->etag();
  batch->checkpoint = {at.byte_offset, at.line,    progress_,
                       header_json_,   ++batches_, to_json(resume_)};
  stager.submit(batch);
  batch = stager.acquire();
}

store::TaskStatus LoadRun::end(const LoadEnd& how) {
  const Ending ending = ending_of(how.outcome, progress_);
  switch (ending.action) {
    case EndAction::kPublish:
      return publish(ending.status);
    case EndAction::kRecord:
      return record(ending.status, how.outcome == Outcome::kFailed ? std::optional<Error>(how.error)
                                                                   : std::nullopt);
    case EndAction::kRelease: {
      // Shutdown: the staged batches and their checkpoint stay; the task is
      // handed back so the next process continues where this one stopped.
      writer_.reset();
      Status s = store_.release_lease(task_.id, worker_);
      spdlog::info("task {} paused by shutdown{}", task_.id,
                   s.ok() ? "; it continues after restart" : ": " + s.error().message);
      break;
    }
    case EndAction::kLeave:
      writer_.reset();  // another worker owns the task: touch nothing
      spdlog::warn("task {}: another worker took it over; this one stops", task_.id);
      break;
  }
  return ending.status;
}

// Publishes the staged rows (or ends the dry run) with `status`.
store::TaskStatus LoadRun::publish(store::TaskStatus status) {
  progress_.bytes_read = done_bytes_ + file_->raw_bytes_read();
  Status published;
  if (options_.dry_run) {
    auto superseded = writer_->count_superseded();
    if (!superseded.ok()) return end({Outcome::kFailed, superseded.error()});
    progress_.rows_superseded = *superseded;
    lease_->finishing();
    published = writer_->finish_dry_run(status, progress_);
  } else {
    // Operators (and the crash tests) see when the one long transaction starts.
    spdlog::info("task {} publishing {} staged rows", task_.id, progress_.rows_loaded);
    lease_->finishing();
    auto rows = writer_->publish(status, progress_);
    if (!rows.ok()) published = rows.error();
  }
  writer_.reset();
  if (!published.ok()) return end(end_of_refused_write(published.error()));
  const double secs = double(clock_.now() - started_) / 1e6;
  spdlog::info("task {} {}{}: rows_read={} rows_loaded={} rows_rejected={} bytes={} in {:.2f}s",
               task_.id, store::to_string(status), options_.dry_run ? " (dry run)" : "",
               progress_.rows_read, progress_.rows_loaded, progress_.rows_rejected,
               progress_.bytes_read, secs);
  return status;
}

// Discards the stage and records the end with `status` (and `e`).
store::TaskStatus LoadRun::record(store::TaskStatus status, const std::optional<Error>& e) {
  if (writer_) (void)writer_->discard();
  std::optional<store::TaskError> err;
  if (e) err = store::TaskError{e->code, e->message};
  const auto retry_for = std::chrono::milliseconds(config_.lease_duration / 2000);
  if (!record_end(store_, clock_, task_, worker_, status, err, progress_, retry_for, stop_)) {
    return store::TaskStatus::kRunning;
  }
  if (e) {
    spdlog::info("task {} {}: {}: {}", task_.id, store::to_string(status), e->code, e->message);
  } else {
    spdlog::info("task {} {}", task_.id, store::to_string(status));
  }
  return status;
}

}  // namespace skillsync::tasks::internal
