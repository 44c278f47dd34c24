// Field checks: ids, languages, UTF-8 (common/utf8.hpp), NUL characters,
// ISO 8601 timestamps and dates, enum values and URLs. These run once per
// field per CSV row, so they are plain loops that never allocate on success;
// messages are built only when a value is rejected.
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "common/utf8.hpp"
#include "schema/checks.hpp"

namespace skillsync::schema {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;

// [A-Za-z0-9_-] as a lookup table: ids are checked twice per CSV row.
struct IdCharTable {
  bool ok[256] = {};
  constexpr IdCharTable() {
    for (int c = 0; c < 256; ++c) {
      ok[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    }
  }
};
constexpr IdCharTable kIdChars;

bool is_id_char(unsigned char c) { return kIdChars.ok[c]; }

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Nonzero exactly when some byte of `w` is 0x00..0x20 or 0x7F (what a URL
// must not hold), 8 bytes at a time.
uint64_t space_or_control(uint64_t w) {
  const uint64_t del = w ^ (kOnes * 0x7F);
  return (((w - kOnes * 0x21) & ~w) | ((del - kOnes) & ~del)) & kHighBits;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` ASCII digits at `pos`; false if any is not a digit.
bool read_digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Writes the reason a value is rejected into a Checked::why-sized buffer.
__attribute__((format(printf, 2, 3))) bool fail(char (&why)[96], const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return false;
}

// Parses "YYYY-MM-DD" at the start of `s`, checking ranges.
bool parse_date_part(std::string_view s, int* y, int* m, int* d, char (&why)[96]) {
  if (s.size() < 10 || !read_digits(s, 0, 4, y) || s[4] != '-' || !read_digits(s, 5, 2, m) ||
      s[7] != '-' || !read_digits(s, 8, 2, d)) {
    return fail(why, "expected a date YYYY-MM-DD");
  }
  if (*y < 1) return fail(why, "year %04d (must be 0001-9999)", *y);
  if (*m < 1 || *m > 12) return fail(why, "month %d", *m);
  if (*d < 1 || *d > days_in_month(*y, *m)) {
    return fail(why, "day %d does not exist in %04d-%02d", *d, *y, *m);
  }
  return true;
}

// The ISO 8601 parser behind parse_timestamp and the kTimestamp check.
bool parse_timestamp_into(std::string_view s, Micros* out, char (&why)[96]) {
  int y = 0, mo = 0, d = 0;
  if (!parse_date_part(s, &y, &mo, &d, why)) return false;
  const int64_t day_micros =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 *
      kMicrosPerSecond;
  if (s.size() == 10) {
    *out = day_micros;
    return true;
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
    return fail(why, "expected 'T' and a time after the date");
  }
  int hh = 0, mm = 0, ss = 0;
  if (!read_digits(s, 11, 2, &hh) || s.size() < 14 || s[13] != ':' || !read_digits(s, 14, 2, &mm)) {
    return fail(why, "expected a time HH:MM after the date");
  }
  if (hh > 23) return fail(why, "hour %d", hh);
  if (mm > 59) return fail(why, "minute %d", mm);
  size_t pos = 16;
  int64_t frac_micros = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!read_digits(s, pos + 1, 2, &ss)) return fail(why, "expected seconds SS after HH:MM:");
    if (ss > 59) return fail(why, "second %d", ss);
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      size_t digits = 0;
      int64_t scale = 100000;  // first digit is tenths of a second
      while (pos < s.size() && is_digit(s[pos])) {
        if (++digits > 9) return fail(why, "more than 9 fraction digits");
        frac_micros += (s[pos] - '0') * scale;  // digits past micros add 0
        scale /= 10;
        ++pos;
      }
      if (digits == 0) return fail(why, "expected digits after '.'");
    }
  }
  if (pos == s.size()) {
    return fail(why, "a zone like Z or +02:00 is required after the time");
  }
  int64_t offset_minutes = 0;
  const char z = s[pos];
  if (z == 'Z' || z == 'z') {
    ++pos;
  } else if (z == '+' || z == '-') {
    int oh = 0, om = 0;
    if (!read_digits(s, pos + 1, 2, &oh)) return fail(why, "expected an offset +HH:MM");
    pos += 3;
    if (pos < s.size() && s[pos] == ':') {
      if (!read_digits(s, pos + 1, 2, &om)) return fail(why, "expected an offset +HH:MM");
      pos += 3;
    } else if (pos < s.size() && is_digit(s[pos])) {
      if (!read_digits(s, pos, 2, &om)) return fail(why, "expected an offset +HHMM");
      pos += 2;
    }
    if (oh > 23) return fail(why, "offset hour %d", oh);
    if (om > 59) return fail(why, "offset minute %d", om);
    offset_minutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
  } else {
    return fail(why, "unexpected character at position %zu; a zone like Z or +02:00 is required",
                pos + 1);
  }
  if (pos != s.size()) return fail(why, "unexpected text at position %zu", pos + 1);
  const int64_t secs = hh * 3600 + mm * 60 + ss - offset_minutes * 60;
  *out = day_micros + secs * kMicrosPerSecond + frac_micros;
  return true;
}

bool parse_date_only(std::string_view s, char (&why)[96]) {
  int y = 0, m = 0, d = 0;
  if (!parse_date_part(s, &y, &m, &d, why)) return false;
  if (s.size() != 10) return fail(why, "unexpected text after the date");
  return true;
}

}  // namespace

bool is_valid_external_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxExternalIdLength) return false;
  for (char c : s) {
    if (!is_id_char(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_valid_language(std::string_view s) {
  return s == "auto" || s == "nl" || s == "fr" || s == "en" || s == "de";
}

bool is_valid_utf8(std::string_view s) { return utf8::is_valid(s); }

bool is_valid_url(std::string_view v) {
  auto has_scheme = [&](std::string_view scheme) {
    if (v.size() < scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i) {
      char ch = v[i];
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      if (ch != scheme[i]) return false;
    }
    return true;
  };
  size_t host = 0;
  if (has_scheme("https://")) {
    host = 8;
  } else if (has_scheme("http://")) {
    host = 7;
  } else {
    return false;
  }
  if (host >= v.size() || v[host] == '/' || v[host] == '?' || v[host] == '#') return false;
  // v.size() > host >= 7: whole words, the last one overlapping.
  uint64_t bad = 0, high = 0, w;
  for (size_t i = 0;; i += 8) {
    std::memcpy(&w, v.data() + std::min(i, v.size() - 8), 8);
    bad |= space_or_control(w);
    high |= w;
    if (i + 8 >= v.size()) break;
  }
  if (bad != 0) return false;
  return (high & kHighBits) == 0 || is_valid_utf8(v);
}

Result<Micros> parse_timestamp(std::string_view s) {
  Micros t = 0;
  char why[96];
  if (parse_timestamp_into(s, &t, why)) return t;
  return Error{"invalid_timestamp",
               internal::quote_for_message(s) + " is not a valid ISO 8601 timestamp: " + why};
}

namespace internal {

size_t effective_max_length(const FieldDef& f) {
  switch (f.type) {
    case FieldType::kExternalId:
      return kMaxExternalIdLength;
    case FieldType::kText:
      return f.max_length == 0 ? kDefaultTextMaxLength : f.max_length;
    case FieldType::kUrl:
      return f.max_length == 0 ? kDefaultUrlMaxLength : f.max_length;
    default:
      return f.max_length;  // format-limited types; 0 = no extra limit
  }
}

Fail check_value(const FieldDef& f, std::string_view v, Checked& c) {
  c.fail = Fail::kNone;
  c.plain = false;
  switch (f.type) {
    case FieldType::kExternalId:
      if (!is_valid_external_id(v)) c.fail = Fail::kInvalidExternalId;
      c.plain = true;  // [A-Za-z0-9_-] when valid
      break;
    case FieldType::kLanguage:
      if (!is_valid_language(v)) c.fail = Fail::kInvalidLanguage;
      c.plain = true;  // lowercase letters when valid
      break;
    case FieldType::kTimestamp:
      if (!parse_timestamp_into(v, &c.micros, c.why)) c.fail = Fail::kInvalidTimestamp;
      break;
    case FieldType::kDate:
      if (!parse_date_only(v, c.why)) c.fail = Fail::kInvalidDate;
      c.plain = true;  // digits and '-' when valid
      break;
    case FieldType::kEnum: {
      bool found = false;
      for (const std::string& a : f.allowed_values) found = found || a == v;
      if (!found) c.fail = Fail::kInvalidValue;
      c.plain = (json_scan(v) & kScanEscape) == 0;
      break;
    }
    case FieldType::kUrl:
      if (v.size() > effective_max_length(f)) {
        c.fail = Fail::kTooLong;
      } else if (!is_valid_url(v)) {
        c.fail = Fail::kInvalidUrl;
      } else {
        c.plain = (json_scan(v) & kScanEscape) == 0;
      }
      break;
    case FieldType::kText: {
      if (v.size() > effective_max_length(f)) {
        c.fail = Fail::kTooLong;
        break;
      }
      const unsigned scan = json_scan(v);
      if ((scan & kScanEscape) == 0) {
        // The common case: no control byte, so no NUL; only non-ASCII
        // bytes need the UTF-8 check.
        if ((scan & kScanNonAscii) != 0 && !is_valid_utf8(v)) c.fail = Fail::kInvalidUtf8;
        c.plain = true;
      } else if (!is_valid_utf8(v)) {
        c.fail = Fail::kInvalidUtf8;
      } else if (std::memchr(v.data(), '\0', v.size()) != nullptr) {
        // Valid UTF-8, but PostgreSQL's TEXT cannot hold U+0000: without
        // this the whole task would fail at COPY instead of this one row.
        c.fail = Fail::kNulCharacter;
      }
      break;
    }
  }
  if (c.fail != Fail::kNone) c.plain = false;
  return c.fail;
}

const char* fail_code(Fail f) {
  switch (f) {
    case Fail::kNone:
      return "";
    case Fail::kInvalidExternalId:
      return "invalid_external_id";
    case Fail::kInvalidLanguage:
      return "invalid_language";
    case Fail::kInvalidTimestamp:
      return "invalid_timestamp";
    case Fail::kInvalidDate:
      return "invalid_date";
    case Fail::kTooLong:
      return "too_long";
    case Fail::kInvalidUtf8:
      return "invalid_utf8";
    case Fail::kInvalidValue:
      return "invalid_value";
    case Fail::kInvalidUrl:
      return "invalid_url";
    case Fail::kNulCharacter:
      return "nul_character";
  }
  return "";
}

std::string fail_message(std::string_view path, const FieldDef& f, std::string_view v,
                         const Checked& c) {
  std::string p(path);
  switch (c.fail) {
    case Fail::kNone:
      return {};
    case Fail::kInvalidExternalId:
      return p + " must be 1-100 characters of A-Z a-z 0-9 _ - (got " + quote_for_message(v) + ")";
    case Fail::kInvalidLanguage:
      return p + " must be one of auto, nl, fr, en, de (got " + quote_for_message(v) + ")";
    case Fail::kInvalidTimestamp:
      return quote_for_message(v) + " is not a valid ISO 8601 timestamp: " + c.why;
    case Fail::kInvalidDate:
      return quote_for_message(v) + " is not a valid ISO 8601 date (YYYY-MM-DD): " + c.why;
    case Fail::kTooLong:
      return p + " is " + std::to_string(v.size()) + " bytes long; the limit is " +
             std::to_string(effective_max_length(f)) + " bytes";
    case Fail::kInvalidUtf8:
      return p + " is not valid UTF-8";
    case Fail::kInvalidValue: {
      std::string m = p + " must be one of ";
      for (size_t i = 0; i < f.allowed_values.size(); ++i) {
        if (i > 0) m += ", ";
        m += f.allowed_values[i];
      }
      return m + " (got " + quote_for_message(v) + ")";
    }
    case Fail::kInvalidUrl:
      return p + " must be an http:// or https:// URL without spaces (got " + quote_for_message(v) +
             ")";
    case Fail::kNulCharacter: {
      const auto* nul = static_cast<const char*>(std::memchr(v.data(), '\0', v.size()));
      const size_t at = nul == nullptr ? 0 : static_cast<size_t>(nul - v.data());
      return p + " contains a NUL character (U+0000) at byte " + std::to_string(at + 1) +
             ", which cannot be stored in text; remove it";
    }
  }
  return {};
}

std::string date_range_message(std::string_view earlier_path, std::string_view earlier,
                               std::string_view later_path, std::string_view later) {
  return std::string(later_path) + " " + quote_for_message(later) + " is before " +
         std::string(earlier_path) + " " + quote_for_message(earlier);
}

std::string quote_for_message(std::string_view v) {
  constexpr size_t kMaxEcho = 100;
  std::string out = "'";
  size_t i = 0;
  while (i < v.size() && out.size() - 1 < kMaxEcho) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c));
      ++i;
      continue;
    }
    // Copy one whole, valid UTF-8 sequence, or replace the lead byte.
    const size_t n = utf8::sequence_length(v.substr(i));
    if (n > 0) {
      out.append(v.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  if (i < v.size()) out += "...";
  out.push_back('\'');
  return out;
}

}  // namespace internal
}  // namespace skillsync::schema
