#include "store/cursor.hpp"

#include <limits>

#include <cstdint>

#include "common/crypto.hpp"

namespace skillsync::store {
namespace {

// Kind bytes; 1 was the first (event) cursor format and stays valid.
constexpr char kEventKind = 1;
constexpr char kTaskKind = 2;
constexpr char kSeqKind = 3;
// External ids are at most 100 characters (schema::is_valid_external_id);
// anything longer cannot be a cursor we issued.
constexpr size_t kMaxIdBytes = 100;
// Task ids are made by the API ("flt_" + hex); 200 leaves room to spare.
constexpr size_t kMaxTaskIdBytes = 200;

Error invalid_cursor() {
  return Error{Errc::kInvalidCursor, "cursor is not a value returned by a previous page"};
}

std::string encode(char kind, uint64_t number, std::string_view id) {
  std::string raw;
  raw.reserve(9 + id.size());
  raw += kind;
  for (int shift = 56; shift >= 0; shift -= 8) raw += static_cast<char>((number >> shift) & 0xFF);
  raw += id;
  return crypto::base64url(raw);
}

// Decodes a cursor of `kind` whose id part has min_id..max_id bytes.
Result<std::pair<uint64_t, std::string>> decode(std::string_view text, char kind, size_t min_id,
                                                size_t max_id) {
  auto raw = crypto::base64url_decode(text);
  if (!raw.ok()) return invalid_cursor();
  const std::string& b = raw.value();
  if (b.size() < 9 + min_id || b.size() > 9 + max_id || b[0] != kind) return invalid_cursor();
  uint64_t u = 0;
  for (size_t i = 1; i < 9; ++i) u = (u << 8) | static_cast<uint8_t>(b[i]);
  return std::make_pair(u, b.substr(9));
}

}  // namespace

std::string encode_event_cursor(Micros timestamp, std::string_view external_id) {
  return encode(kEventKind, static_cast<uint64_t>(timestamp), external_id);
}

Result<EventCursor> decode_event_cursor(std::string_view text) {
  auto d = decode(text, kEventKind, 1, kMaxIdBytes);
  if (!d.ok()) return d.error();
  return EventCursor{static_cast<Micros>(d->first), std::move(d->second)};
}

std::string encode_task_cursor(Micros created_at, std::string_view id) {
  return encode(kTaskKind, static_cast<uint64_t>(created_at), id);
}

Result<TaskCursor> decode_task_cursor(std::string_view text) {
  auto d = decode(text, kTaskKind, 1, kMaxTaskIdBytes);
  if (!d.ok()) return d.error();
  return TaskCursor{static_cast<Micros>(d->first), std::move(d->second)};
}

std::string encode_seq_cursor(int64_t seq) {
  return encode(kSeqKind, static_cast<uint64_t>(seq), {});
}

Result<int64_t> decode_seq_cursor(std::string_view text) {
  auto d = decode(text, kSeqKind, 0, 0);
  if (!d.ok()) return d.error();
  if (d->first > static_cast<uint64_t>(INT64_MAX)) return invalid_cursor();
  return static_cast<int64_t>(d->first);
}

Result<std::optional<EventCursor>> decode_event_page_cursor(std::string_view cursor) {
  if (cursor.empty()) return std::optional<EventCursor>();
  auto c = decode_event_cursor(cursor);
  if (!c.ok()) return c.error();
  return std::optional<EventCursor>(std::move(c).value());
}

Result<std::optional<TaskCursor>> decode_task_page_cursor(std::string_view cursor) {
  if (cursor.empty()) return std::optional<TaskCursor>();
  auto c = decode_task_cursor(cursor);
  if (!c.ok()) return c.error();
  return std::optional<TaskCursor>(std::move(c).value());
}

Result<int64_t> decode_seq_page_cursor(std::string_view cursor) {
  if (cursor.empty()) return int64_t{-1};
  return decode_seq_cursor(cursor);
}

Result<int64_t> decode_seq_page_cursor_descending(std::string_view cursor) {
  if (cursor.empty()) return std::numeric_limits<int64_t>::max();
  return decode_seq_cursor(cursor);
}

void set_next_cursor(EventPage& page) {
  const schema::Event& last = page.items.back().event;
  page.next_cursor = encode_event_cursor(last.timestamp, last.external_id);
}

void set_next_cursor(TaskPage& page) {
  const Task& last = page.items.back();
  page.next_cursor = encode_task_cursor(last.created_at, last.id);
}

}  // namespace skillsync::store
