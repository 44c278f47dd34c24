// JSON shapes of the API: errors, events, tasks.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "schema/schema.hpp"
#include "store/store.hpp"
#include "tasks/task_view.hpp"

namespace skillsync::api {

// {"error": {"code": ..., "message": ..., "details": [{"field", "code", "message"}...]}}
std::string error_body(std::string_view code, std::string_view message,
                       const std::vector<schema::FieldError>& details = {});

// A string, or null when it is "".
boost::json::value text_or_null(const std::string& s);
// A string (even ""), or null when absent.
boost::json::value text_or_null(const std::optional<std::string>& s);
// An RFC 3339 time, or null when absent.
boost::json::value time_or_null(const std::optional<Micros>& t);
// What a task or a source loads, added to `o` in this order: entity_type,
// method, uri and region (null when "").
void add_load_target(boost::json::object& o, const std::string& entity_type,
                     const std::string& method, const std::string& uri, const std::string& region);
// A stored options object (a task's or a source's options_json) as JSON;
// {} when it is empty or not an object.
boost::json::value options_object(std::string_view options_json);

boost::json::value event_json(const store::StoredEvent& e);
// A task with its first row errors (GET, POST, cancel). A TaskView holds no
// credentials. `options` is the task's normalised options object (it holds
// no secret).
boost::json::value task_json(const tasks::TaskDetail& t);
// The same without "row_errors" (items of the task list).
boost::json::value task_summary_json(const tasks::TaskView& t);
// One item of the error report: line, byte_offset, column, code, message, raw
// (with_raw), and file (the object key) for a row of a prefix load only.
// Ill-formed UTF-8 in the row's text (raw, column, message) becomes U+FFFD.
boost::json::value row_error_json(const store::RowError& e, bool with_raw);

}  // namespace skillsync::api
