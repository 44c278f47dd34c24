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
boost::json::value task_json(const store::Task& t, const std::vector<store::RowError>& row_errors);

}  // namespace skillsync::api
