// LoadPipeline: object -> CSV records -> validated events -> staged batches
// -> one atomic publish. Bad rows become RowErrors; they never stop the load.
#include <spdlog/spdlog.h>

#include "csv/csv.hpp"
#include "csv/encoding.hpp"
#include "source/decompress/decompress.hpp"
#include "tasks/batch_stager.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks {
namespace {

constexpr size_t kMaxRawBytes = 4096;

std::string cut_raw(std::string_view raw) {
  return std::string(raw.substr(0, std::min(raw.size(), kMaxRawBytes)));
}

std::string column_name(const schema::HeaderBinding& binding, size_t column_1based) {
  const auto& names = binding.column_names();
  if (column_1based == 0 || column_1based > names.size()) return "";
  return names[column_1based - 1];
}

// The error that ends a task because of its rejected rows, if any.
std::optional<Error> rejection_policy(const LoadOptions& options, const store::Progress& progress,
                                      const std::vector<store::RowError>& batch_errors) {
  if (progress.rows_rejected == 0) return std::nullopt;
  if (options.on_error == OnError::kAbort && !batch_errors.empty()) {
    const store::RowError& e = batch_errors.back();
    return Error{"rejected_rows_abort",
                 "line " + std::to_string(e.line) + " was rejected (" + e.code + ": " + e.message +
                     "); on_error is abort, so nothing of the file was stored"};
  }
  if (options.max_rejected_rows && progress.rows_rejected > *options.max_rejected_rows) {
    return Error{"too_many_rejected_rows",
                 "more than " + std::to_string(*options.max_rejected_rows) +
                     " rows were rejected (max_rejected_rows); nothing of the file was stored"};
  }
  return std::nullopt;
}

}  // namespace

store::TaskStatus LoadPipeline::run(const store::Task& task, const CancellationToken& stop) {
  using store::TaskStatus;
  const Micros started = clock_.now();
  store::Progress progress;
  std::unique_ptr<store::TaskWriter> writer;

  auto fail = [&](const Error& e) {
    if (writer) (void)writer->discard();
    Status s = store_.finish_task(task.id, TaskStatus::kFailed, store::TaskError{e.code, e.message},
                                  progress, clock_.now());
    if (!s.ok()) {
      spdlog::error("task {}: cannot record failure: {}", task.id, s.error().message);
    }
    spdlog::info("task {} failed: {}: {}", task.id, e.code, e.message);
    return TaskStatus::kFailed;
  };
  // Shutdown: the task stays `running` in the store and is picked up again
  // (from the start) after the restart.
  auto interrupted = [&] {
    if (writer) (void)writer->discard();
    spdlog::info("task {} interrupted by shutdown; it resumes after restart", task.id);
    return TaskStatus::kRunning;
  };

  const schema::EntityDef* entity = schema::find_entity(task.entity_type);
  if (entity == nullptr) {
    return fail({"unknown_entity_type", "unknown entity type '" + task.entity_type + "'"});
  }

  Result<ObjectOpener::Opened> opened = Error{};
  {
    auto creds = open_credentials(key_, task.id, task.sealed_credentials);
    if (!creds.ok()) return fail(creds.error());
    opened = opener_.open(task, *creds);
  }  // credentials wiped here: the opener keeps what it needs for this stream
  if (!opened.ok()) return fail(opened.error());
  progress.bytes_total = opened->size;

  auto options = load_options_from_json(task.options_json);
  if (!options.ok()) return fail(options.error());
  // object -> (gunzip | unzstd, by magic bytes) -> (to UTF-8) -> CSV records
  decompress::DecompressingReader decompressed(*opened->reader);
  ByteReader* text = &decompressed;
  std::unique_ptr<csv::EncodingReader> transcoded;
  if (options->encoding != csv::Encoding::kUtf8) {
    transcoded = std::make_unique<csv::EncodingReader>(decompressed, options->encoding);
    text = transcoded.get();
  }
  csv::RecordReader reader(*text, options->dialect());
  auto first = reader.next();
  if (!first.ok()) return fail(first.error());
  if (*first == csv::RecordReader::Item::kEnd) {
    return fail({"empty_file", "the file is empty: expected a header row"});
  }
  if (*first == csv::RecordReader::Item::kError) {
    const auto& e = reader.error();
    return fail({"invalid_header", "line " + std::to_string(e.line) + ": " + e.message});
  }
  std::vector<std::string> header_names(reader.record().fields.begin(),
                                        reader.record().fields.end());
  std::vector<std::string_view> header(header_names.begin(), header_names.end());
  auto binding = schema::HeaderBinding::bind(*entity, header, options->ignore_unknown_columns);
  if (!binding.ok()) return fail(binding.error());

  auto begun = store_.begin_load(task);
  if (!begun.ok()) return fail(begun.error());
  writer = std::move(*begun);

  Status staged;
  {
    BatchStager stager(*writer);
    schema::RowMapper mapper(*binding);
    schema::FieldError field_error;
    Batch* batch = stager.acquire();
    auto hand_over = [&] {
      progress.bytes_read = decompressed.compressed_bytes_consumed();
      progress.rows_loaded += batch->count;
      batch->progress = progress;
      stager.submit(batch);
      batch = stager.acquire();
      return batch != nullptr;
    };
    for (;;) {
      if (batch == nullptr) break;  // a write failed; close() reports it
      if (stop.cancelled()) {
        (void)stager.close();
        return interrupted();
      }
      auto item = reader.next();
      if (!item.ok()) {
        (void)stager.close();
        return fail(item.error());
      }
      if (*item == csv::RecordReader::Item::kEnd) break;
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
                                   field_error.message, cut_raw(rec.raw)});
        }
      } else {
        const csv::RecordError& e = reader.error();
        ++progress.rows_rejected;
        batch->errors.push_back({e.line, e.byte_offset, column_name(*binding, e.column), e.code,
                                 e.message, cut_raw(e.raw)});
      }
      if (auto policy = rejection_policy(*options, progress, batch->errors)) {
        // Keep the report of what was rejected, but none of the file's rows.
        batch->count = 0;
        hand_over();
        staged = stager.close();
        return fail(staged.ok() ? *policy : staged.error());
      }
      if (batch->rows() >= config_.batch_rows && !hand_over()) break;
    }
    if (batch != nullptr) hand_over();
    staged = stager.close();
  }
  if (!staged.ok()) return fail(staged.error());

  progress.bytes_read = decompressed.compressed_bytes_consumed();
  TaskStatus final_status =
      progress.rows_rejected > 0 ? TaskStatus::kCompletedWithErrors : TaskStatus::kCompleted;
  auto published = writer->publish(final_status, progress);
  if (!published.ok()) return fail(published.error());
  writer.reset();
  double secs = double(clock_.now() - started) / 1e6;
  spdlog::info("task {} {}: rows_read={} rows_loaded={} rows_rejected={} bytes={} in {:.2f}s",
               task.id, store::to_string(final_status), progress.rows_read, progress.rows_loaded,
               progress.rows_rejected, progress.bytes_read, secs);
  return final_status;
}

}  // namespace skillsync::tasks
