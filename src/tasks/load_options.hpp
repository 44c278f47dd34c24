// LoadOptions: the optional `options` object of a File Load Task, which
// decides the CSV dialect and what happens to bad rows.
//
// Stored with the task as normalised JSON (every option spelled out), so a
// task runs the same way whichever process picks it up.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "csv/csv.hpp"
#include "csv/encoding.hpp"
#include "schema/schema.hpp"

namespace skillsync::tasks {

enum class OnError { kContinue, kAbort };

struct LoadOptions {
  // continue: good rows load, bad rows are reported (completed_with_errors).
  // abort: the first rejected row fails the task; nothing of the file is stored.
  OnError on_error = OnError::kContinue;
  // More rejected rows than this fail the task; nothing of the file is stored.
  std::optional<uint64_t> max_rejected_rows;
  // Validate everything, store no event, report what a real run would.
  bool dry_run = false;
  bool ignore_unknown_columns = false;
  // Check at POST time that the credentials can read the object.
  bool validate_access = true;
  char delimiter = ',';
  char quote = '"';
  csv::Encoding encoding = csv::Encoding::kUtf8;

  csv::Dialect dialect() const;
};

// Parses the `options` member of a create body (absent or null: defaults).
// Unknown or invalid options append FieldErrors ("options.<name>") and fail.
Result<LoadOptions> parse_load_options(const boost::json::value* options,
                                       std::vector<schema::FieldError>* errors);

std::string to_json(const LoadOptions& options);
// Reads options stored by to_json (or "{}" / "" for defaults).
Result<LoadOptions> load_options_from_json(std::string_view json);

}  // namespace skillsync::tasks
