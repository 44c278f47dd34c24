// Logging: one line per event to stderr through spdlog, as text (the
// default) or as one JSON object per line.
//
// JSON lines hold "time" (RFC 3339 UTC, milliseconds), "level", "message"
// and the structured fields in scope on the logging thread (ScopedFields):
// task_id, tenant, request_id, trace_id, route, method, status, duration_ms.
// Text lines are "<time> <level> <message>", the fields left out.
//
// Never pass a SecretString's revealed value, a presigned URL or a request
// body to a logger (or into a field); SecretString has no formatter on purpose.
#pragma once

#include <spdlog/spdlog.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace skillsync {

// Installs the process-wide stderr logger ("info" unless `level` says
// otherwise: trace, debug, info, warn, error, off) writing `format`:
// "text" or "json".
void init_logging(const std::string& level, const std::string& format = "text");

namespace log {

struct Field {
  std::string key;
  std::string value;
  bool number = false;  // JSON: written bare (the value must be a JSON number)
};

// Adds fields to every line the current thread logs while the object
// lives. Scopes nest; a later field with the same key as an earlier one
// is the one written.
class ScopedFields {
 public:
  explicit ScopedFields(std::initializer_list<Field> fields);
  ~ScopedFields();
  ScopedFields(const ScopedFields&) = delete;
  ScopedFields& operator=(const ScopedFields&) = delete;

 private:
  size_t previous_size_;
};

// The fields in scope on the current thread, outermost first.
const std::vector<Field>& current_fields();

// The JSON line (without its newline) of one message: exposed for tests.
std::string json_line(std::string_view time, std::string_view level, std::string_view message,
                      const std::vector<Field>& fields);

}  // namespace log
}  // namespace skillsync
