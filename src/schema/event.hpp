// schema::Event: one validated skill event, the value that schema produces
// (from a JSON body or a CSV row, see schema.hpp) and the store keeps.
//
// A plain struct with no behaviour, in its own header (and CMake target,
// skillsync_event) so that the store can hold events without depending on
// the schema's registry, checks and Boost.JSON.
#pragma once

#include <optional>
#include <string>

#include "common/time.hpp"

namespace skillsync::schema {

// A validated skill event. content_json is a compact JSON object holding
// only the entity's content fields that were present (non-empty), in the
// order of EntityDef::content_fields, each as a JSON string: text, ids,
// languages, enum values, URLs and dates as given; kTimestamp content
// normalized to RFC 3339 UTC. An empty value (JSON "" or null, or an empty CSV field) is absent,
// so the same event reads the same from a JSON body and from a CSV row.
struct Event {
  std::string employee_external_id;
  std::string external_id;
  std::string event_type;
  Micros timestamp = 0;
  std::string language;
  std::string content_json;
  std::optional<std::string> source;
};

}  // namespace skillsync::schema
