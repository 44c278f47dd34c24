// fuzz_run_file: store::runs (the SQLite store's stage file) over hostile
// bytes.
//
// Input: [0] the merge's buffer budget in KiB steps (0..255, so runs read
// through buffers from 16 KiB up), then the bytes of a run file.
//
// Checks: list_runs either fails or returns runs that tile the bytes; a
// Merger over them yields keys in strictly increasing order and at most the
// rows the headers announce, then ends or fails with "storage_error" (no
// crash, no endless loop); verify_file accepts the bytes exactly when they
// are sound, with the FileState that extend() computes run by run. Round
// trip: the input is also cut into events (fields split at '\n'), encoded
// as two runs, and the merge must give each key's last row, in key order.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"
#include "store/runs/run_format.hpp"
#include "store/runs/run_merge.hpp"

namespace skillsync::fuzz {
namespace {

using store::runs::EventView;
using store::runs::FileState;
using store::runs::Merger;
using store::runs::RunInfo;
using store::runs::StringSource;

// Merges every run of `src`; returns whether it ended without an Error.
bool merge_checked(StringSource& src, const std::vector<RunInfo>& runs, size_t budget) {
  uint64_t announced = 0;
  for (const RunInfo& r : runs) announced += r.rows;
  Merger m(src, runs, budget);
  std::string prev_e, prev_x;
  uint64_t rows = 0;
  for (;;) {
    Result<bool> more = m.next();
    if (!more.ok()) {
      FUZZ_CHECK(more.error().code == "storage_error", more.error().code);
      return false;
    }
    if (!*more) break;
    const EventView& v = m.row();
    if (rows > 0) {
      FUZZ_CHECK(std::pair(prev_e, prev_x) <
                     std::pair(std::string(v.employee_external_id), std::string(v.external_id)),
                 escape(v.external_id));
    }
    prev_e = v.employee_external_id;
    prev_x = v.external_id;
    ++rows;
    FUZZ_CHECK(rows + m.superseded() <= announced, "more rows than the headers announce");
  }
  FUZZ_CHECK(rows + m.superseded() == announced, "rows lost in a sound file");
  return true;
}

void check_file(std::string_view bytes, size_t budget) {
  StringSource src(bytes);
  auto runs = store::runs::list_runs(src, bytes.size());
  if (!runs.ok()) {
    FUZZ_CHECK(runs.error().code == "storage_error", runs.error().code);
    return;
  }
  FileState state;
  uint64_t at = 0;
  for (const RunInfo& r : *runs) {
    FUZZ_CHECK(r.offset == at, "runs do not tile the file");
    const uint64_t size = store::runs::kRunHeaderBytes + r.body_bytes;
    state = store::runs::extend(state, bytes.substr(at, size));
    at += size;
  }
  FUZZ_CHECK(at == bytes.size(), "runs do not cover the file");
  const bool merged = merge_checked(src, *runs, budget);
  const bool verified = store::runs::verify_file(src, state).ok();
  // Sound CRCs do not make a sound body; a sound merge needs sound CRCs.
  if (merged) FUZZ_CHECK(verified, "a merge accepted what verify_file refuses");
}

// The input as events: 6 fields a row, split at '\n'.
void check_round_trip(std::string_view bytes) {
  std::vector<std::string_view> fields;
  for (size_t at = 0; at <= bytes.size() && fields.size() < 600;) {
    const size_t end = std::min(bytes.find('\n', at), bytes.size());
    fields.push_back(bytes.substr(at, end - at));
    at = end + 1;
  }
  std::vector<schema::Event> events;
  for (size_t i = 0; i + 6 <= fields.size(); i += 6) {
    schema::Event e;
    e.employee_external_id = fields[i];
    e.external_id = fields[i + 1];
    e.event_type = fields[i + 2];
    e.timestamp = static_cast<Micros>(fields[i + 3].size()) - 3;
    e.language = fields[i + 4];
    e.content_json = fields[i + 5];
    if (i % 12 == 0) e.source = fields[i + 2];
    events.push_back(std::move(e));
  }
  std::map<std::pair<std::string, std::string>, const schema::Event*> want;
  for (const auto& e : events) want[{e.employee_external_id, e.external_id}] = &e;
  std::string file;
  std::vector<uint32_t> order;
  const size_t half = events.size() / 2;
  store::runs::encode_run(std::span(events).first(half), file, order);
  store::runs::encode_run(std::span(events).subspan(half), file, order);
  StringSource src(file);
  auto runs = store::runs::list_runs(src, file.size());
  FUZZ_CHECK(runs.ok(), runs.error().message);
  Merger m(src, *runs, 0);
  auto it = want.begin();
  for (;;) {
    Result<bool> more = m.next();
    FUZZ_CHECK(more.ok(), more.error().message);
    if (!*more) break;
    FUZZ_CHECK(it != want.end(), "more rows than keys");
    const EventView& v = m.row();
    const schema::Event& e = *it->second;
    FUZZ_CHECK(v.employee_external_id == e.employee_external_id && v.external_id == e.external_id,
               escape(v.external_id));
    FUZZ_CHECK(v.timestamp == e.timestamp && v.content_json == e.content_json &&
                   v.language == e.language && v.event_type == e.event_type,
               "a field changed");
    FUZZ_CHECK(v.source.has_value() == e.source.has_value(), "source changed");
    ++it;
  }
  FUZZ_CHECK(it == want.end(), "keys lost");
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t budget = size_t{data[0]} << 10;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  skillsync::fuzz::check_file(bytes, budget);
  skillsync::fuzz::check_round_trip(bytes);
  return 0;
}
