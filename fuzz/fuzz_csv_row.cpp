// fuzz_csv_row: one tokenized CSV row of any entity through
// schema::RowMapper::map, the per-row step of a File Load Task, and the
// 8-bytes-at-a-time scans it relies on.
//
// Input: byte 0 picks the entity, byte 1 the column order (a rotation of
// the six top-level columns followed by every content field) and whether a
// wrong field count is kept; the rest is the row's fields separated by 0xFE
// (a byte that is never UTF-8, so fields can still hold every other byte).
//
// Checks:
//   - an accepted row gives exactly its fields: ids, language, source,
//     event_type, the timestamp that parse_timestamp gives, and content JSON
//     that equals, byte for byte, a reference writer's: the non-empty
//     content fields in EntityDef order, escaped as JSON requires;
//   - accepted text is valid UTF-8 (a reference validator) without NUL;
//   - a rejected row names one of the header's columns (none for
//     wrong_field_count) and a code;
//   - mapping into a reused Event (strings and source left by another row)
//     gives the same result as mapping into a fresh one;
//   - internal::json_scan and append_json_string agree with byte-wise
//     references, and is_valid_url with a byte-wise reference, on the raw
//     input.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "schema/checks.hpp"
#include "schema/schema.hpp"

namespace skillsync::fuzz {
namespace {

namespace schema = skillsync::schema;

// JSON string escaping as RFC 8259 allows it and the store expects it.
void reference_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

unsigned reference_scan(std::string_view s) {
  unsigned bits = 0;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') bits |= schema::internal::kScanEscape;
    if (c >= 0x80) bits |= schema::internal::kScanNonAscii;
  }
  return bits;
}

bool reference_url(std::string_view v) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  auto starts = [&](std::string_view scheme) {
    if (v.size() < scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i) {
      if (lower(v[i]) != scheme[i]) return false;
    }
    return true;
  };
  const size_t host = starts("https://") ? 8 : starts("http://") ? 7 : 0;
  if (host == 0 || host >= v.size()) return false;
  if (v[host] == '/' || v[host] == '?' || v[host] == '#') return false;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return is_valid_utf8(v);
}

void check_scans(std::string_view data) {
  FUZZ_CHECK(schema::internal::json_scan(data) == reference_scan(data), escape(data));
  std::string got = "x", want = "x";
  schema::internal::append_json_string(got, data);
  reference_json_string(want, data);
  FUZZ_CHECK(got == want, escape(data));
  FUZZ_CHECK(schema::is_valid_url(data) == reference_url(data), escape(data));
}

struct Outcome {
  bool ok = false;
  schema::Event event;
  schema::FieldError error;
  bool operator==(const Outcome& o) const {
    if (ok != o.ok) return false;
    if (!ok) {
      return error.field == o.error.field && error.code == o.error.code &&
             error.message == o.error.message;
    }
    const schema::Event& a = event;
    const schema::Event& b = o.event;
    return a.employee_external_id == b.employee_external_id && a.external_id == b.external_id &&
           a.event_type == b.event_type && a.timestamp == b.timestamp && a.language == b.language &&
           a.content_json == b.content_json && a.source == b.source;
  }
};

void check_accepted(const schema::EntityDef& entity, const std::vector<std::string>& header,
                    const std::vector<std::string_view>& row, const schema::Event& ev) {
  auto field = [&](std::string_view name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return row[i];
    }
    return std::string_view();
  };
  FUZZ_CHECK(ev.employee_external_id == field(schema::kEmployeeExternalId),
             ev.employee_external_id);
  FUZZ_CHECK(ev.external_id == field(schema::kExternalId), ev.external_id);
  FUZZ_CHECK(ev.language == field(schema::kLanguage), ev.language);
  FUZZ_CHECK(ev.event_type == entity.event_type, ev.event_type);
  const std::string_view source = field(schema::kSource);
  FUZZ_CHECK(source.empty() ? !ev.source.has_value() : ev.source && *ev.source == source,
             escape(source));
  auto ts = schema::parse_timestamp(field(schema::kTimestamp));
  FUZZ_CHECK(ts.ok() && *ts == ev.timestamp, escape(field(schema::kTimestamp)));

  std::string want = "{";
  for (const schema::FieldDef& f : entity.content_fields) {
    const std::string_view v = field(f.name);
    if (v.empty()) continue;
    FUZZ_CHECK(is_valid_utf8(v) && v.find('\0') == std::string_view::npos, escape(v));
    if (want.size() > 1) want.push_back(',');
    reference_json_string(want, f.name);
    want.push_back(':');
    if (f.type == schema::FieldType::kTimestamp) {
      auto t = schema::parse_timestamp(v);
      FUZZ_CHECK(t.ok(), escape(v));
      want += "\"" + format_rfc3339(*t) + "\"";
    } else {
      reference_json_string(want, v);
    }
  }
  want.push_back('}');
  FUZZ_CHECK(ev.content_json == want, escape(ev.content_json) + " != " + escape(want));
}

void run(const uint8_t* data, size_t size) {
  if (size < 2) return;
  const auto entities = schema::all_entities();
  const schema::EntityDef& entity = entities[data[0] % entities.size()];
  std::vector<std::string> header;
  for (const schema::FieldDef& f : schema::top_level_fields()) header.push_back(f.name);
  std::rotate(header.begin(), header.begin() + (data[1] % header.size()), header.end());
  for (const schema::FieldDef& f : entity.content_fields) header.push_back(f.name);
  const bool keep_count = (data[1] & 0x80) != 0;

  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  check_scans(rest);
  std::vector<std::string_view> row;
  for (size_t start = 0;;) {
    const size_t end = rest.find('\xFE', start);
    row.push_back(rest.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (!keep_count) row.resize(header.size());

  const std::vector<std::string_view> names(header.begin(), header.end());
  auto binding = schema::HeaderBinding::bind(entity, names);
  FUZZ_CHECK(binding.ok(), binding.ok() ? "" : binding.error().message);
  schema::RowMapper mapper(*binding);

  Outcome fresh;
  fresh.ok = mapper.map(row, fresh.event, fresh.error);
  // A reused slot: filled by another row (with a long source) first.
  Outcome reused;
  std::vector<std::string_view> other(row.size(), "");
  for (size_t i = 0; i < header.size() && i < other.size(); ++i) {
    if (header[i] == schema::kSource) other[i] = "a source longer than the small-string buffer";
  }
  mapper.map(other, reused.event, reused.error);
  reused.ok = mapper.map(row, reused.event, reused.error);
  FUZZ_CHECK(fresh == reused, escape(rest));

  if (fresh.ok) {
    check_accepted(entity, header, row, fresh.event);
  } else {
    const schema::FieldError& e = fresh.error;
    FUZZ_CHECK(!e.code.empty() && !e.message.empty(), e.message);
    bool named = e.field.empty() == (e.code == "wrong_field_count");
    if (!e.field.empty()) {
      named = false;
      for (const std::string& h : header) named = named || h == e.field;
    }
    FUZZ_CHECK(named, e.field + " " + e.code);
  }
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  skillsync::fuzz::run(data, size);
  return 0;
}
