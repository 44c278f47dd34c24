#include "store/cursor.hpp"

#include <cstdint>

#include "common/crypto.hpp"

namespace skillsync::store {
namespace {

constexpr char kVersion = 1;
// External ids are at most 100 characters (schema::is_valid_external_id);
// anything longer cannot be a cursor we issued.
constexpr size_t kMaxIdBytes = 100;

Error invalid_cursor() {
  return Error{"invalid_cursor", "cursor is not a value returned by a previous page"};
}

}  // namespace

std::string encode_event_cursor(Micros timestamp, std::string_view external_id) {
  std::string raw;
  raw.reserve(9 + external_id.size());
  raw += kVersion;
  const auto u = static_cast<uint64_t>(timestamp);
  for (int shift = 56; shift >= 0; shift -= 8) raw += static_cast<char>((u >> shift) & 0xFF);
  raw += external_id;
  return crypto::base64url(raw);
}

Result<EventCursor> decode_event_cursor(std::string_view text) {
  auto raw = crypto::base64url_decode(text);
  if (!raw.ok()) return invalid_cursor();
  const std::string& b = raw.value();
  if (b.size() < 10 || b.size() > 9 + kMaxIdBytes || b[0] != kVersion) return invalid_cursor();
  uint64_t u = 0;
  for (size_t i = 1; i < 9; ++i) u = (u << 8) | static_cast<uint8_t>(b[i]);
  EventCursor c;
  c.timestamp = static_cast<Micros>(u);
  c.external_id.assign(b, 9);
  return c;
}

}  // namespace skillsync::store
