// store/runs: encoding runs, listing and checking a run file (see
// run_format.hpp for the layout).
#include "store/runs/run_format.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

namespace skillsync::store::runs {
namespace {

constexpr char kMagic[4] = {'S', 'K', 'R', '1'};

uint32_t crc32_of(uint32_t crc, const char* p, size_t n) {
  // zlib takes a uInt length: feed it in pieces.
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = static_cast<uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(p), chunk));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

void put_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void put_u64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}
uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }
size_t str_size(std::string_view s) { return varint_size(s.size()) + s.size(); }

void append_record(std::string& out, const schema::Event& e) {
  const uint64_t tag = e.source ? e.source->size() + 1 : 0;
  const size_t n = str_size(e.employee_external_id) + str_size(e.external_id) +
                   varint_size(zigzag(e.timestamp)) + str_size(e.event_type) +
                   str_size(e.language) + str_size(e.content_json) + varint_size(tag) +
                   (e.source ? e.source->size() : 0);
  put_varint(out, n);
  put_str(out, e.employee_external_id);
  put_str(out, e.external_id);
  put_varint(out, zigzag(e.timestamp));
  put_str(out, e.event_type);
  put_str(out, e.language);
  put_str(out, e.content_json);
  put_varint(out, tag);
  if (e.source) out.append(*e.source);
}

// Parses the header at p; false when it is not a sound one.
bool parse_header(const char* p, RunInfo& run) {
  if (std::memcmp(p, kMagic, 4) != 0) return false;
  if (get_u32(p + 28) != crc32_of(0, p, 28) || get_u32(p + 24) != 0) return false;
  run.body_crc = get_u32(p + 4);
  run.body_bytes = get_u64(p + 8);
  run.rows = get_u64(p + 16);
  // A record takes at least 8 bytes (its length and seven fields).
  return run.rows <= run.body_bytes / 8 && (run.rows > 0) == (run.body_bytes > 0);
}

// Reads exactly n bytes at `offset`, or fails.
Status read_exact(ByteSource& src, uint64_t offset, char* out, size_t n) {
  SKILLSYNC_ASSIGN_OR_RETURN(size_t got, src.read_at(offset, out, n));
  if (got != n) return corrupt("it ends inside a run");
  return ok_status();
}

}  // namespace

Error corrupt(std::string_view what) {
  return Error{"storage_error", "the load's stage file is corrupt: " + std::string(what)};
}

namespace detail {

const char* read_varint(const char* p, const char* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const auto b = static_cast<unsigned char>(*p++);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return p;
  }
  return nullptr;
}

namespace {
const char* read_str(const char* p, const char* end, std::string_view& s) {
  uint64_t n = 0;
  p = read_varint(p, end, n);
  if (p == nullptr || n > static_cast<uint64_t>(end - p)) return nullptr;
  s = std::string_view(p, n);
  return p + n;
}
}  // namespace

bool decode_record(const char* p, const char* end, EventView& out) {
  uint64_t ts = 0;
  uint64_t tag = 0;
  p = read_str(p, end, out.employee_external_id);
  if (p) p = read_str(p, end, out.external_id);
  if (p) p = read_varint(p, end, ts);
  if (p) p = read_str(p, end, out.event_type);
  if (p) p = read_str(p, end, out.language);
  if (p) p = read_str(p, end, out.content_json);
  if (p) p = read_varint(p, end, tag);
  if (p == nullptr) return false;
  out.timestamp = unzigzag(ts);
  if (tag == 0) {
    out.source.reset();
  } else {
    if (tag - 1 > static_cast<uint64_t>(end - p)) return false;
    out.source = std::string_view(p, tag - 1);
    p += tag - 1;
  }
  return p == end;
}

int compare_keys(std::string_view e1, std::string_view x1, std::string_view e2,
                 std::string_view x2) {
  if (int c = e1.compare(e2); c != 0) return c < 0 ? -1 : 1;
  if (int c = x1.compare(x2); c != 0) return c < 0 ? -1 : 1;
  return 0;
}

}  // namespace detail

EncodedRun encode_run(std::span<const schema::Event> events, std::string& out,
                      std::vector<uint32_t>& order) {
  // Sorted by key, then by position: the last row of a key comes last.
  order.resize(events.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const schema::Event& x = events[a];
    const schema::Event& y = events[b];
    const int c = detail::compare_keys(x.employee_external_id, x.external_id,
                                       y.employee_external_id, y.external_id);
    return c < 0 || (c == 0 && a < b);
  });
  const size_t start = out.size();
  out.append(kRunHeaderBytes, '\0');
  EncodedRun run;
  for (size_t i = 0; i < order.size(); ++i) {
    const schema::Event& e = events[order[i]];
    if (i + 1 < order.size()) {
      const schema::Event& next = events[order[i + 1]];
      if (e.employee_external_id == next.employee_external_id &&
          e.external_id == next.external_id) {
        ++run.superseded;
        continue;
      }
    }
    append_record(out, e);
    ++run.rows;
  }
  char* h = out.data() + start;
  const size_t body = out.size() - start - kRunHeaderBytes;
  std::memcpy(h, kMagic, 4);
  put_u32(h + 4, crc32_of(0, h + kRunHeaderBytes, body));
  put_u64(h + 8, body);
  put_u64(h + 16, run.rows);
  put_u32(h + 24, 0);
  put_u32(h + 28, crc32_of(0, h, 28));
  return run;
}

FileState extend(const FileState& s, std::string_view run) {
  // The body's CRC is in the header: combine instead of reading it again.
  const uint32_t body_crc = get_u32(run.data() + 4);
  const size_t body = run.size() - kRunHeaderBytes;
  uint32_t crc = crc32_of(s.crc, run.data(), kRunHeaderBytes);
  crc = static_cast<uint32_t>(crc32_combine(crc, body_crc, static_cast<z_off_t>(body)));
  return FileState{s.bytes + run.size(), s.runs + 1, crc};
}

Result<size_t> StringSource::read_at(uint64_t offset, char* out, size_t n) {
  if (offset >= bytes_.size()) return size_t{0};
  const size_t got = std::min<size_t>(n, bytes_.size() - offset);
  std::memcpy(out, bytes_.data() + offset, got);
  return got;
}

Result<size_t> FdSource::read_at(uint64_t offset, char* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      return Error{"storage_error",
                   std::string("reading the load's stage file failed: ") + std::strerror(errno)};
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Result<std::vector<RunInfo>> list_runs(ByteSource& src, uint64_t bytes) {
  std::vector<RunInfo> runs;
  uint64_t at = 0;
  char h[kRunHeaderBytes];
  while (at < bytes) {
    if (bytes - at < kRunHeaderBytes) return corrupt("a run header is cut");
    SKILLSYNC_TRY(read_exact(src, at, h, kRunHeaderBytes));
    RunInfo run;
    run.offset = at;
    if (!parse_header(h, run)) return corrupt("a run header is not sound");
    if (run.body_bytes > bytes - at - kRunHeaderBytes) return corrupt("a run is cut");
    at += kRunHeaderBytes + run.body_bytes;
    runs.push_back(run);
  }
  return runs;
}

Status verify_file(ByteSource& src, const FileState& want) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto runs, list_runs(src, want.bytes));
  if (runs.size() != want.runs) return corrupt("it holds another number of runs");
  std::vector<char> buf(1 << 20);
  uint32_t file_crc = 0;
  for (const RunInfo& run : runs) {
    uint32_t body_crc = 0;
    const uint64_t end = run.offset + kRunHeaderBytes + run.body_bytes;
    for (uint64_t at = run.offset; at < end;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - at));
      SKILLSYNC_TRY(read_exact(src, at, buf.data(), n));
      file_crc = crc32_of(file_crc, buf.data(), n);
      // The header's bytes are the first kRunHeaderBytes of the run.
      const uint64_t skip =
          at < run.offset + kRunHeaderBytes ? run.offset + kRunHeaderBytes - at : 0;
      if (skip < n) body_crc = crc32_of(body_crc, buf.data() + skip, n - skip);
      at += n;
    }
    if (body_crc != run.body_crc) return corrupt("a run's CRC does not match");
  }
  if (file_crc != want.crc) return corrupt("its CRC is not the one recorded");
  return ok_status();
}

}  // namespace skillsync::store::runs
