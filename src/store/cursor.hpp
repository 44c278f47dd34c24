// Keyset cursors for Store::list_events, shared by every Store.
//
// A cursor names the last item of a page by its sort key (timestamp,
// external_id). It is opaque to clients: base64url (no padding) of a version
// byte, the timestamp as 8 big-endian bytes, and the external_id bytes.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"

namespace skillsync::store {

struct EventCursor {
  Micros timestamp = 0;
  std::string external_id;

  bool operator==(const EventCursor&) const = default;
};

std::string encode_event_cursor(Micros timestamp, std::string_view external_id);

// Fails with code "invalid_cursor" when `text` is not a cursor produced by
// encode_event_cursor (bad base64url, wrong version, empty or over-long id).
Result<EventCursor> decode_event_cursor(std::string_view text);

}  // namespace skillsync::store
