// store/runs: a load's staged events as key-sorted RUNS in a scratch file,
// and their k-way merge (run_merge.hpp). Backend-neutral: no database here.
//
// Each staged batch becomes one run: its events sorted by
// (employee_external_id, external_id) in byte order (SQLite's BINARY
// collation, memcmp), only the last row of a key kept. A run file is runs
// back to back, with no file header:
//   run    = header body
//   header = 32 bytes, little-endian: "SKR1" | body_crc u32 | body_bytes u64
//            | rows u64 | 0 u32 | header_crc u32 (CRC-32 of the 28 bytes
//            before it); body_crc is the CRC-32 of the body
//   body   = `rows` records; record = varint n | n bytes:
//            str employee_external_id | str external_id
//            | varint zigzag(timestamp) | str event_type | str language
//            | str content_json | varint source tag (0: none, else 1 + its
//            length) | source bytes
//   str    = varint length | bytes; varints are LEB128, at most 10 bytes
// Within a run keys strictly increase. Nothing read is trusted: every length
// is checked against what is left, CRCs and row counts are checked, and a
// failure is an Error ("storage_error", "... stage file is corrupt ...").
//
// Who owns the file, where it lives and how it agrees with the database is
// the store's business (sqlite/stage_files.hpp); this module only encodes,
// lists, checks and merges.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "schema/event.hpp"

namespace skillsync::store::runs {

inline constexpr size_t kRunHeaderBytes = 32;
// A record longer than this is corrupt (a CSV record is far smaller).
inline constexpr uint64_t kMaxRecordBytes = uint64_t{64} << 20;

// An event as read from a run: views into the reader's buffer.
struct EventView {
  std::string_view employee_external_id;
  std::string_view external_id;
  Micros timestamp = 0;
  std::string_view event_type;
  std::string_view language;
  std::string_view content_json;
  std::optional<std::string_view> source;
};

// What a run file holds, as the database records it: its length, its number
// of runs and the CRC-32 of all its bytes.
struct FileState {
  uint64_t bytes = 0;
  uint64_t runs = 0;
  uint32_t crc = 0;
  bool operator==(const FileState&) const = default;
};

struct EncodedRun {
  uint64_t rows = 0;        // records in the run (distinct keys of the batch)
  uint64_t superseded = 0;  // rows of the batch replaced by a later one of the same key
};

// Appends one run of `events` to `out` (header and body). `order` is
// scratch space reused between calls. An empty batch makes an empty run.
EncodedRun encode_run(std::span<const schema::Event> events, std::string& out,
                      std::vector<uint32_t>& order);

// The state after appending `run` (the bytes encode_run appended) to a file
// in state `s`.
FileState extend(const FileState& s, std::string_view run);

// Positioned reads: a file, or bytes in memory (tests, fuzzing).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes at `offset`; fewer only at the end of the source.
  virtual Result<size_t> read_at(uint64_t offset, char* out, size_t n) = 0;
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view bytes) : bytes_(bytes) {}
  Result<size_t> read_at(uint64_t offset, char* out, size_t n) override;

 private:
  std::string_view bytes_;
};

// Reads a file descriptor with pread (not owned; thread-compatible).
class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  Result<size_t> read_at(uint64_t offset, char* out, size_t n) override;

 private:
  int fd_;
};

struct RunInfo {
  uint64_t offset = 0;  // of the run's header in the file
  uint64_t body_bytes = 0;
  uint64_t rows = 0;
  uint32_t body_crc = 0;
};

// Reads the run headers of the first `bytes` bytes of `src`. Fails unless
// every header is sound and the runs end exactly at `bytes`.
Result<std::vector<RunInfo>> list_runs(ByteSource& src, uint64_t bytes);

// Reads all of the first want.bytes bytes: every run header and body CRC,
// the run count and the CRC of the whole must match `want`.
Status verify_file(ByteSource& src, const FileState& want);

// The error every reader returns for bytes that are not a sound run file.
Error corrupt(std::string_view what);

// --- the record layout, shared by the reader (run_merge.cpp) ---
namespace detail {
// Decodes a LEB128 varint at p (< end); nullptr when it is cut or too long.
const char* read_varint(const char* p, const char* end, uint64_t& v);
// Decodes the fields of one record body [p, end) into `out`.
bool decode_record(const char* p, const char* end, EventView& out);
// -1, 0, 1: key order (employee, then external id), byte-wise.
int compare_keys(std::string_view e1, std::string_view x1, std::string_view e2,
                 std::string_view x2);
}  // namespace detail

}  // namespace skillsync::store::runs
