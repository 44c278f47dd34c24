// EncodingReader: converts latin1, windows-1252 and UTF-16 to UTF-8.
//
// Input bytes wait in a fixed buffer; converted bytes go straight into the
// caller's buffer while it has room for the longest character (3 bytes from
// one 8-bit byte, 4 from a UTF-16 surrogate pair). The last few bytes of a
// read go through `pend`, a 4-byte staging area, so that a character never
// has to be split by the converter itself and a 1-byte read still makes
// progress.
#include "csv/encoding.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace skillsync::csv {

namespace {

constexpr size_t kMinInputBuffer = 16;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;
constexpr char kInvalid = '\xFF';  // never valid in UTF-8; see the header

// windows-1252's 0x80-0x9F; 0 marks the five undefined bytes.
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Writes the UTF-8 of code point cp (not a surrogate) at out; returns its length.
size_t put_utf8(char* out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// One byte's UTF-8, padded to 4 bytes so it can be copied as a word.
struct Entry {
  char bytes[3];
  uint8_t size;
};
using Table = std::array<Entry, 256>;

Table make_table(bool windows_1252) {
  Table t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t cp = b;
    if (windows_1252 && b >= 0x80 && b < 0xA0) {
      cp = kCp1252High[b - 0x80];
      if (cp == 0) {  // undefined
        t[b] = {{kInvalid, 0, 0}, 1};
        continue;
      }
    }
    char tmp[4];
    const size_t n = put_utf8(tmp, cp);
    Entry e{{0, 0, 0}, static_cast<uint8_t>(n)};
    std::memcpy(e.bytes, tmp, n);
    t[b] = e;
  }
  return t;
}

const Table kLatin1 = make_table(false);
const Table kWindows1252 = make_table(true);

bool is_high_surrogate(uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

}  // namespace

std::optional<Encoding> parse_encoding(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "utf-8" || lower == "utf8") return Encoding::kUtf8;
  if (lower == "utf-16" || lower == "utf16") return Encoding::kUtf16;
  if (lower == "latin1" || lower == "iso-8859-1") return Encoding::kLatin1;
  if (lower == "windows-1252" || lower == "cp1252") return Encoding::kWindows1252;
  return std::nullopt;
}

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kUtf16:
      return "utf-16";
    case Encoding::kLatin1:
      return "latin1";
    case Encoding::kWindows1252:
      return "windows-1252";
  }
  return "utf-8";
}

struct EncodingReader::Impl {
  Impl(ByteReader& in, Encoding e, size_t cap)
      : input(in),
        encoding(e),
        table(e == Encoding::kWindows1252 ? &kWindows1252 : &kLatin1),
        cap(std::max(cap, kMinInputBuffer)) {
    if (e != Encoding::kUtf8) buf = std::make_unique_for_overwrite<char[]>(this->cap);
  }

  Result<size_t> read(std::span<char> out);
  Status fill();
  size_t convert(char* out, size_t room);
  size_t convert_8bit(char* out, size_t room);
  size_t convert_utf16(char* out, size_t room);
  Status check_bom();
  void finish();

  ByteReader& input;
  const Encoding encoding;
  const Table* table;
  std::optional<Error> failure;  // sticky
  uint64_t total = 0;

  std::unique_ptr<char[]> buf;
  size_t cap;
  size_t pos = 0;
  size_t end = 0;
  bool eof = false;
  bool finished = false;  // the input's end has been converted too

  char pend[4] = {};
  size_t pend_pos = 0;
  size_t pend_end = 0;

  bool bom_checked = false;
  bool big_endian = false;
  uint32_t high = 0;  // a high surrogate waiting for its low half; 0: none
};

// Keeps the unconverted bytes (fewer than 2 for UTF-16, else none) and reads
// more after them.
Status EncodingReader::Impl::fill() {
  const size_t left = end - pos;
  std::memmove(buf.get(), buf.get() + pos, left);
  pos = 0;
  end = left;
  SKILLSYNC_ASSIGN_OR_RETURN(auto n, input.read(std::span<char>(buf.get() + end, cap - end)));
  if (n == 0) eof = true;
  end += n;
  total += n;
  return ok_status();
}

size_t EncodingReader::Impl::convert(char* out, size_t room) {
  return encoding == Encoding::kUtf16 ? convert_utf16(out, room) : convert_8bit(out, room);
}

// While there is room for the longest character (3 bytes).
size_t EncodingReader::Impl::convert_8bit(char* out, size_t room) {
  const auto* in = reinterpret_cast<const unsigned char*>(buf.get());
  const Table& t = *table;
  char* o = out;
  char* const o_end = out + room;
  size_t p = pos;
  while (p < end && o_end - o >= 3) {
    // ASCII comes through 8 bytes at a time.
    if (end - p >= 8 && o_end - o >= 8) {
      uint64_t w;
      std::memcpy(&w, in + p, 8);
      if ((w & kHighBits) == 0) {
        std::memcpy(o, &w, 8);
        o += 8;
        p += 8;
        continue;
      }
    }
    const Entry& e = t[in[p++]];
    std::memcpy(o, e.bytes, 3);
    o += e.size;
  }
  pos = p;
  return static_cast<size_t>(o - out);
}

// While there is room for the longest character (4 bytes) and a whole
// 16-bit unit to read.
size_t EncodingReader::Impl::convert_utf16(char* out, size_t room) {
  const auto* in = reinterpret_cast<const unsigned char*>(buf.get());
  char* o = out;
  char* const o_end = out + room;
  while (end - pos >= 2 && o_end - o >= 4) {
    const uint32_t u = big_endian ? (in[pos] << 8 | in[pos + 1]) : (in[pos] | in[pos + 1] << 8);
    if (high != 0) {
      if (is_low_surrogate(u)) {
        o += put_utf8(o, 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00));
        pos += 2;
      } else {
        *o++ = kInvalid;  // an unpaired high surrogate; u is looked at again
      }
      high = 0;
      continue;
    }
    pos += 2;
    if (is_high_surrogate(u)) {
      high = u;
    } else if (is_low_surrogate(u)) {
      *o++ = kInvalid;  // a low surrogate with no high one before it
    } else {
      o += put_utf8(o, u);
    }
  }
  return static_cast<size_t>(o - out);
}

Status EncodingReader::Impl::check_bom() {
  const auto* in = reinterpret_cast<const unsigned char*>(buf.get() + pos);
  if (end - pos >= 2 && in[0] == 0xFF && in[1] == 0xFE) {
    big_endian = false;
  } else if (end - pos >= 2 && in[0] == 0xFE && in[1] == 0xFF) {
    big_endian = true;
  } else {
    return Error{"invalid_encoding",
                 "the file does not start with a UTF-16 byte-order mark (FF FE or FE FF); "
                 "encoding utf-16 needs one to know the byte order"};
  }
  pos += 2;
  bom_checked = true;
  return ok_status();
}

// The input has ended: what UTF-16 left unfinished becomes kInvalid bytes.
void EncodingReader::Impl::finish() {
  finished = true;
  if (high != 0) pend[pend_end++] = kInvalid;
  high = 0;
  if (end - pos == 1) pend[pend_end++] = kInvalid;  // an odd final byte
  pos = end;
}

Result<size_t> EncodingReader::Impl::read(std::span<char> out) {
  if (failure) return *failure;
  if (encoding == Encoding::kUtf8) {
    Result<size_t> n = input.read(out);
    if (!n.ok()) failure = n.error();
    if (n.ok()) total += *n;
    return n;
  }
  size_t produced = 0;
  for (;;) {
    if (pend_pos < pend_end) {
      const size_t n = std::min(out.size() - produced, pend_end - pend_pos);
      std::memcpy(out.data() + produced, pend + pend_pos, n);
      pend_pos += n;
      produced += n;
      if (pend_pos == pend_end) pend_pos = pend_end = 0;
    }
    if (produced == out.size() || finished) return produced;
    const bool need_input = encoding == Encoding::kUtf16 ? end - pos < 2 : pos == end;
    if (need_input) {
      if (produced > 0) return produced;  // do not wait on the input with bytes to give
      if (eof) {
        if (encoding == Encoding::kUtf16 && !bom_checked && end > pos) {
          failure = check_bom().error();  // one byte: too short for a BOM
          return *failure;
        }
        finish();
        continue;
      }
      Status s = fill();
      if (!s.ok()) {
        failure = s.error();
        return *failure;
      }
      continue;
    }
    if (encoding == Encoding::kUtf16 && !bom_checked) {
      Status s = check_bom();
      if (!s.ok()) {
        failure = s.error();
        return *failure;
      }
      continue;
    }
    const size_t room = out.size() - produced;
    if (room >= 4) {
      produced += convert(out.data() + produced, room);
    } else {
      pend_end = convert(pend, sizeof pend);  // drained at the top of the loop
    }
  }
}

EncodingReader::EncodingReader(ByteReader& input, Encoding encoding, size_t input_buffer_bytes)
    : impl_(std::make_unique<Impl>(input, encoding, input_buffer_bytes)) {}
EncodingReader::~EncodingReader() = default;

Result<size_t> EncodingReader::read(std::span<char> buf) { return impl_->read(buf); }
Encoding EncodingReader::encoding() const { return impl_->encoding; }
uint64_t EncodingReader::input_bytes() const { return impl_->total; }

}  // namespace skillsync::csv
