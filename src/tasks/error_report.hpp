// The error report of a File Load Task as CSV: the rejected rows in the
// file's own columns and dialect, followed by where and why each was
// rejected, so that a user can fix those rows and load the file as it is,
// with the task's options.
//
// Built here, in tasks, from a TaskView (never the sealed credentials) and
// the task's row errors; api/ only streams it. The rows are written with
// csv::RowWriter; the error block's column names are schema's
// (kErrorReportColumns), which HeaderBinding ignores when the report is
// loaded again.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"
#include "tasks/task_view.hpp"

namespace skillsync::tasks {

// Limits of one CSV export: past either, the export stops after the last
// whole row and reports truncated == true (the API adds "X-Truncated: true").
struct CsvExportLimits {
  size_t max_rows = 100'000;
  size_t max_bytes = 64 * 1024 * 1024;
};

struct CsvExport {
  std::string body;
  size_t rows = 0;
  bool truncated = false;
};

// Splits one raw record (as stored in RowError::raw) into its fields with the
// task's dialect (options_json, see tasks::load_options_from_json; invalid
// or empty options: the default dialect). Invalid UTF-8 does not stop the
// split (fields keep their bytes). A raw that does not parse as one record
// (broken quoting) is split on the delimiter alone, quotes kept as text. The
// result is padded with empty fields or cut to `width` when width > 0.
std::vector<std::string> split_raw_record(std::string_view raw, std::string_view options_json,
                                          size_t width);

// Writes the whole report of `task` (all its row errors, page by page, in
// file order) in the task's delimiter and quote (options_json):
//  - a header row: the task's columns (from task.header_json; none when the
//    task failed before its header was read), then error_file when the task
//    is a prefix load (its uri ends in '/', or a row error of the first page names a file),
//    then error_line, error_column, error_code, error_message
//    (schema::kErrorReportColumns, which HeaderBinding ignores at the end of
//    a header, so the report loads again as it is with the same options);
//  - one row per rejected row: its raw fields (split_raw_record, padded or
//    cut to the header's width), then the error's file, line, column name
//    ("" for the whole row), code and message.
// When the task's own header already ended in the error report's columns
// (it loaded a report), those columns and their fields are left out, so the
// new report has one error block. The body is UTF-8 whatever the task's
// encoding (the stored raw records are UTF-8 already); bytes that are not
// UTF-8 (an invalid_utf8 row) become U+FFFD. Lines end in CRLF. Fails only
// when the store does.
Result<CsvExport> export_row_errors_csv(store::Store& store, const TaskView& task,
                                        const CsvExportLimits& limits = {});

// The same report produced a piece at a time, so that memory stays bounded
// by one page of row errors (kPageRows) whatever the report's size: what
// GET .../errors with Accept: text/csv streams (chunked). Its bytes are
// export_row_errors_csv's with max_bytes unbounded. Used by one thread at a
// time. REQUIRES: `store` outlives the stream.
class CsvReportStream {
 public:
  static constexpr size_t kPageRows = 100;

  CsvReportStream(store::Store& store, TaskView task, size_t max_rows = CsvExportLimits{}.max_rows,
                  size_t page_rows = kPageRows);
  ~CsvReportStream();
  CsvReportStream(const CsvReportStream&) = delete;
  CsvReportStream& operator=(const CsvReportStream&) = delete;

  // Reads the first page of row errors, which decides (with the uri) the
  // file column; whether max_rows cuts the report comes from the task's
  // rows_rejected. Call once, before the rest.
  Status prepare();
  // Whether the report stops at max_rows (known after prepare()).
  bool truncated() const;
  // The next row (the header row first), CRLF-terminated; nullopt after the
  // last one.
  Result<std::optional<std::string>> next_row();
  // Whole rows adding up to about `piece_bytes` (at least one); "" at the end.
  Result<std::string> next(size_t piece_bytes = 64 * 1024);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace skillsync::tasks
