// Keyset cursors for the Store's lists, shared by every Store.
//
// A cursor names the last item of a page by its sort key. It is opaque to
// clients: base64url (no padding) of a kind byte, a number as 8 big-endian
// bytes, and (for events and tasks) an id's bytes. The kind byte keeps a
// cursor of one list from being accepted by another.
//   events:     (timestamp, external_id)   list_events
//   tasks:      (created_at, task id)      list_tasks
//   row errors: (seq)                      row_errors_page
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

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

struct TaskCursor {
  Micros created_at = 0;
  std::string id;

  bool operator==(const TaskCursor&) const = default;
};

std::string encode_task_cursor(Micros created_at, std::string_view id);
// "invalid_cursor" unless `text` came from encode_task_cursor (ids up to 200 bytes).
Result<TaskCursor> decode_task_cursor(std::string_view text);

std::string encode_seq_cursor(int64_t seq);
// "invalid_cursor" unless `text` came from encode_seq_cursor.
Result<int64_t> decode_seq_cursor(std::string_view text);

// --- the cursor argument of a list call, and the next_cursor of its page ---
// An empty `cursor` asks for the first page; anything else must decode as
// above ("invalid_cursor" otherwise).

// std::nullopt for the first page.
Result<std::optional<EventCursor>> decode_event_page_cursor(std::string_view cursor);
Result<std::optional<TaskCursor>> decode_task_page_cursor(std::string_view cursor);
// The seq after which the page starts: -1 for the first page, since row
// errors are numbered from 0.
Result<int64_t> decode_seq_page_cursor(std::string_view cursor);
// The same for a list in descending seq order (webhook deliveries): the seq
// before which the page starts, INT64_MAX for the first page.
Result<int64_t> decode_seq_page_cursor_descending(std::string_view cursor);

// Records that more items follow `page`: its next_cursor names its last
// item, where the next page starts after.
// REQUIRES: page.items is not empty.
void set_next_cursor(EventPage& page);
void set_next_cursor(TaskPage& page);

}  // namespace skillsync::store
