// JSON shapes of the API: errors, events, tasks.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.hpp"
#include "store/store.hpp"

namespace skillsync::api {

// {"error": {"code": ..., "message": ..., "details": [{"field", "code", "message"}...]}}
std::string error_body(std::string_view code, std::string_view message,
                       const std::vector<schema::FieldError>& details = {});

boost::json::value event_json(const store::StoredEvent& e);
// Never includes credentials: the Task's sealed blob is not read.
// `options` is the task's normalised options object (it holds no secret).
boost::json::value task_json(const store::Task& t, const std::vector<store::RowError>& row_errors);
// The same without "row_errors" (items of the task list).
boost::json::value task_summary_json(const store::Task& t);
// One item of the error report: line, byte_offset, column, code, message, raw
// (with_raw), and file (the object key) for a row of a prefix load only.
// Ill-formed UTF-8 in the row's text (raw, column, message) becomes U+FFFD.
boost::json::value row_error_json(const store::RowError& e, bool with_raw);

}  // namespace skillsync::api
