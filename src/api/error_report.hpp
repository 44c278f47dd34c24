// The error report of a File Load Task as CSV: the rejected rows in the
// file's own columns, followed by where and why each was rejected, so that a
// user can fix those rows and load the file as it is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace skillsync::api {

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

// Appends `field` to `out` as an RFC 4180 field: quoted (with "" for a
// quote) when it holds a comma, a quote, CR or LF, or starts or ends with a
// space; as is otherwise.
void append_csv_field(std::string& out, std::string_view field);

// Splits one raw record (as stored in RowError::raw) into its fields with the
// task's dialect (options_json, see tasks::load_options_from_json). A raw that
// does not parse as one record (broken quoting, invalid UTF-8) is split on
// the delimiter alone, quotes kept as text. The result is padded with empty
// fields or cut to `width` when width > 0.
std::vector<std::string> split_raw_record(std::string_view raw, std::string_view options_json,
                                          size_t width);

// Writes the whole report of `task` (all its row errors, page by page, in
// file order): a header row of the task's columns (from task.header_json;
// none when the task failed before its header was read) and error_line,
// error_column, error_code, error_message; then one row per rejected row.
// Lines end in CRLF. Fails only when the store does.
Result<CsvExport> export_row_errors_csv(store::Store& store, const store::Task& task,
                                        const CsvExportLimits& limits = {});

}  // namespace skillsync::api
