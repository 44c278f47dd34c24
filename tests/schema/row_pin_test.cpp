// Pins what RowMapper::map makes of representative CSV rows, byte for byte:
// the content JSON (escapes, UTF-8, lengths around the 8-byte words that the
// fast paths scan), timestamps in micros, sources, and for rejected rows the
// column, code and message. The expectations were recorded from the
// byte-at-a-time implementation before the hot path was optimised; any
// change here changes what a load stores or reports.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.hpp"

namespace skillsync::schema {
namespace {

struct Case {
  const char* entity;
  std::vector<std::string> header;
  std::vector<std::string> row;
  const char* expected;
};

// "ok ts=<micros> src=<source|-> <content>" or "error <field>|<code>|<message>".
std::string describe(const Case& c) {
  std::vector<std::string_view> header(c.header.begin(), c.header.end());
  auto binding = HeaderBinding::bind(*find_entity(c.entity), header);
  if (!binding.ok()) return "header " + binding.error().message;
  RowMapper mapper(*binding);
  std::vector<std::string_view> row(c.row.begin(), c.row.end());
  Event ev;
  FieldError err;
  // Twice into the same Event: a reused slot must give the same bytes.
  for (int pass = 0; pass < 2; ++pass) {
    if (!mapper.map(row, ev, err)) return "error " + err.field + "|" + err.code + "|" + err.message;
  }
  return "ok ts=" + std::to_string(ev.timestamp) + " src=" + (ev.source ? *ev.source : "-") + " " +
         ev.content_json;
}

const std::vector<std::string> kLearning = {
    "employee_external_id", "language", "external_id", "timestamp", "course_id", "learning_title",
    "learning_description", "source",   "event_type"};

std::vector<std::string> learning(std::string ts, std::string course, std::string title = "",
                                  std::string description = "", std::string source = "") {
  return {"emp-1",
          "en",
          "lrn-1",
          std::move(ts),
          std::move(course),
          std::move(title),
          std::move(description),
          std::move(source),
          "learning"};
}

const std::vector<std::string> kCertificate = {
    "employee_external_id", "external_id",      "event_type", "language",   "timestamp",
    "certificate_id",       "certificate_name", "issuer",     "issue_date", "expiry_date",
    "credential_url"};

std::vector<std::string> certificate(std::string name, std::string issue, std::string expiry,
                                     std::string url) {
  return {"employee-9",
          "cert-1",
          "",
          "nl",
          "2021-03-04T05:06:07Z",
          "",
          std::move(name),
          "TÜV Süd",
          std::move(issue),
          std::move(expiry),
          std::move(url)};
}

const std::vector<std::string> kFeedback = {
    "employee_external_id", "language", "external_id",   "timestamp",
    "feedback_text",        "rating",   "reviewer_role", "reviewer_external_id"};

std::vector<std::string> feedback(std::string text, std::string rating, std::string role,
                                  std::string reviewer) {
  return {"e",
          "auto",
          "f-1",
          "2020-01-01",
          std::move(text),
          std::move(rating),
          std::move(role),
          std::move(reviewer)};
}

const std::vector<std::string> kWorking = {
    "employee_external_id", "language",   "external_id", "timestamp", "job_title",
    "job_description",      "start_date", "end_date",    "company"};

std::vector<Case> cases() {
  return {
      // Timestamps in every accepted form.
      {"learning", kLearning, learning("2021-01-01T00:00:00Z", "course-1"),
       "ok ts=1609459200000000 src=- {\"course_id\":\"course-1\"}"},
      {"learning", kLearning, learning("2024-02-29", "c"),
       "ok ts=1709164800000000 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("2019-07-15T23:59:59.123456789+05:30", "c"),
       "ok ts=1563215399123456 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("2019-07-15t10:11:12.5z", "c"),
       "ok ts=1563185472500000 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("2019-07-15 10:11-0530", "c"),
       "ok ts=1563205260000000 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("2019-07-15T10:11:12+05", "c"),
       "ok ts=1563167472000000 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("0001-01-01T00:00:00-00:00", "c"),
       "ok ts=-62135596800000000 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("9999-12-31T23:59:59.999999Z", "c"),
       "ok ts=253402300799999999 src=- {\"course_id\":\"c\"}"},
      {"learning", kLearning, learning("1969-12-31T23:59:59.000001Z", "c"),
       "ok ts=-999999 src=- {\"course_id\":\"c\"}"},
      // Rejected timestamps: each reason.
      {"learning", kLearning, learning("2021-01-01T00:00:00", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T00:00:00' is not a valid ISO 8601 timestamp: "
       "a zone like Z or +02:00 is required after the time"},
      {"learning", kLearning, learning("2021-13-01", "c"),
       "error timestamp|invalid_timestamp|'2021-13-01' is not a valid ISO 8601 timestamp: month "
       "13"},
      {"learning", kLearning, learning("2023-02-29T00:00Z", "c"),
       "error timestamp|invalid_timestamp|'2023-02-29T00:00Z' is not a valid ISO 8601 timestamp: "
       "day 29 does not exist in 2023-02"},
      {"learning", kLearning, learning("0000-01-01", "c"),
       "error timestamp|invalid_timestamp|'0000-01-01' is not a valid ISO 8601 timestamp: year "
       "0000 (must be 0001-9999)"},
      {"learning", kLearning, learning("2021-01-01T24:00Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T24:00Z' is not a valid ISO 8601 timestamp: "
       "hour 24"},
      {"learning", kLearning, learning("2021-01-01T23:60Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:60Z' is not a valid ISO 8601 timestamp: "
       "minute 60"},
      {"learning", kLearning, learning("2021-01-01T23:59:60Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:60Z' is not a valid ISO 8601 "
       "timestamp: second 60"},
      {"learning", kLearning, learning("2021-01-01T23:59:59.Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:59.Z' is not a valid ISO 8601 "
       "timestamp: expected digits after '.'"},
      {"learning", kLearning, learning("2021-01-01T23:59:59.1234567890Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:59.1234567890Z' is not a valid ISO "
       "8601 timestamp: more than 9 fraction digits"},
      {"learning", kLearning, learning("2021-01-01T23:59:59+24:00", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:59+24:00' is not a valid ISO 8601 "
       "timestamp: offset hour 24"},
      {"learning", kLearning, learning("2021-01-01T23:59:59+01:60", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:59+01:60' is not a valid ISO 8601 "
       "timestamp: offset minute 60"},
      {"learning", kLearning, learning("2021-01-01T23:59:59+1", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:59+1' is not a valid ISO 8601 "
       "timestamp: expected an offset +HH:MM"},
      {"learning", kLearning, learning("2021-01-01T23:59:59Zx", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T23:59:59Zx' is not a valid ISO 8601 "
       "timestamp: unexpected text at position 21"},
      {"learning", kLearning, learning("2021-01-01X", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01X' is not a valid ISO 8601 timestamp: "
       "expected 'T' and a time after the date"},
      {"learning", kLearning, learning("2021-01-01T1:00Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T1:00Z' is not a valid ISO 8601 timestamp: "
       "expected a time HH:MM after the date"},
      {"learning", kLearning, learning("2021-1-01", "c"),
       "error timestamp|invalid_timestamp|'2021-1-01' is not a valid ISO 8601 timestamp: expected "
       "a date YYYY-MM-DD"},
      {"learning", kLearning, learning("2021-01-01T10:00 Z", "c"),
       "error timestamp|invalid_timestamp|'2021-01-01T10:00 Z' is not a valid ISO 8601 timestamp: "
       "unexpected character at position 17; a zone like Z or +02:00 is required"},
      // Text values of 1..17 and 24 bytes, with a byte to escape at the
      // start, the end and across an 8-byte boundary.
      {"learning", kLearning, learning("2021-01-01", "\"", "1234567", "12345678"),
       "ok ts=1609459200000000 src=- "
       "{\"course_id\":\"\\\"\",\"learning_title\":\"1234567\",\"learning_description\":"
       "\"12345678\"}"},
      {"learning", kLearning, learning("2021-01-01", "1234567\"", "12345678\\", "\\23456789"),
       "ok ts=1609459200000000 src=- "
       "{\"course_id\":\"1234567\\\"\",\"learning_title\":\"12345678\\\\\",\"learning_"
       "description\":\"\\\\23456789\"}"},
      {"learning", kLearning,
       learning("2021-01-01", "123456789012345", "1234567890123456", "12345678901234567"),
       "ok ts=1609459200000000 src=- "
       "{\"course_id\":\"123456789012345\",\"learning_title\":\"1234567890123456\",\"learning_"
       "description\":\"12345678901234567\"}"},
      {"learning", kLearning,
       learning("2021-01-01", "abcdefgh\"ijklmnop\"qrstuvw", "tab\there", "line\nbreak\r\n"),
       "ok ts=1609459200000000 src=- "
       "{\"course_id\":\"abcdefgh\\\"ijklmnop\\\"qrstuvw\",\"learning_title\":\"tab\\there\","
       "\"learning_description\":\"line\\nbreak\\r\\n\"}"},
      {"learning", kLearning,
       learning("2021-01-01", "", "ctl \x01\x02\x1f\b\f end", "del \x7f ok, /slash/ 'q'"),
       "ok ts=1609459200000000 src=- {\"learning_title\":\"ctl \\u0001\\u0002\\u001f\\b\\f "
       "end\",\"learning_description\":\"del \x7f ok, /slash/ 'q'\"}"},
      {"learning", kLearning,
       learning("2021-01-01", "", "Café — €5 𝄞 über", "日本語のコース説明, \"quoted\" ok"),
       "ok ts=1609459200000000 src=- {\"learning_title\":\"Caf\xc3\xa9 \xe2\x80\x94 \xe2\x82\xac"
       "5 \xf0\x9d\x84\x9e \xc3\xbc"
       "ber\",\"learning_description\":"
       "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x82\xb3\xe3\x83\xbc\xe3\x82\xb9\xe8"
       "\xaa\xac\xe6\x98\x8e, \\\"quoted\\\" ok\"}"},
      {"learning", kLearning,
       learning("2021-01-01", "course-1", "", "", "The \"Academy\", Brussels, BE"),
       "ok ts=1609459200000000 src=The \"Academy\", Brussels, BE {\"course_id\":\"course-1\"}"},
      {"learning", kLearning, learning("2021-01-01", std::string(256, 'c')),
       "ok ts=1609459200000000 src=- "
       "{\"course_id\":"
       "\"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"}"},
      // Rejected text.
      {"learning", kLearning, learning("2021-01-01", std::string(257, 'c')),
       "error course_id|too_long|course_id is 257 bytes long; the limit is 256 bytes"},
      {"learning", kLearning, learning("2021-01-01", "", "bad \xff byte", "d"),
       "error learning_title|invalid_utf8|learning_title is not valid UTF-8"},
      {"learning", kLearning, learning("2021-01-01", "", "truncated \xe2\x82", "d"),
       "error learning_title|invalid_utf8|learning_title is not valid UTF-8"},
      {"learning", kLearning, learning("2021-01-01", "", "overlong \xc0\xaf", "d"),
       "error learning_title|invalid_utf8|learning_title is not valid UTF-8"},
      {"learning", kLearning, learning("2021-01-01", "", "surrogate \xed\xa0\x80", "d"),
       "error learning_title|invalid_utf8|learning_title is not valid UTF-8"},
      {"learning", kLearning, learning("2021-01-01", "", "t", std::string("1234567\0rest", 12)),
       "error learning_description|nul_character|learning_description contains a NUL character "
       "(U+0000) at byte 8, which cannot be stored in text; remove it"},
      {"learning", kLearning, learning("2021-01-01", "", std::string("\0", 1), "d"),
       "error learning_title|nul_character|learning_title contains a NUL character (U+0000) at "
       "byte 1, which cannot be stored in text; remove it"},
      {"learning", kLearning, learning("2021-01-01", "", "title only"),
       "error course_id|missing_content|the row needs one of: course_id | "
       "learning_title+learning_description"},
      {"learning", kLearning, learning("2021-01-01", "", "", ""),
       "error course_id|missing_content|the row needs one of: course_id | "
       "learning_title+learning_description"},
      {"learning", kLearning, learning("2021-01-01", "c", "", "", std::string(257, 's')),
       "error source|too_long|source is 257 bytes long; the limit is 256 bytes"},
      {"learning",
       kLearning,
       {"emp 1", "en", "lrn-1", "2021-01-01", "c", "", "", "", ""},
       "error employee_external_id|invalid_external_id|employee_external_id must be 1-100 "
       "characters of A-Z a-z 0-9 _ - (got 'emp 1')"},
      {"learning",
       kLearning,
       {"emp-1", "EN", "lrn-1", "2021-01-01", "c", "", "", "", ""},
       "error language|invalid_language|language must be one of auto, nl, fr, en, de (got 'EN')"},
      {"learning",
       kLearning,
       {"emp-1", "en", "", "2021-01-01", "c", "", "", "", ""},
       "error external_id|required|external_id is required"},
      {"learning",
       kLearning,
       {"emp-1", "en", "lrn-1", "2021-01-01", "c", "", "", "", "goal"},
       "error event_type|event_type_mismatch|event_type 'goal' does not match the task's entity "
       "type 'learning'"},
      {"learning",
       kLearning,
       {"emp-1", "en", "lrn-1", "2021-01-01", "c"},
       "error |wrong_field_count|expected 9 fields, found 5"},
      // The many-field entity: URLs, dates and their range, non-ASCII text.
      {"certificate", kCertificate,
       certificate("AWS Certified Solutions Architect - Associate", "2021-01-15", "2024-01-15",
                   "https://certs.example.com/verify/123?lang=en"),
       "ok ts=1614834367000000 src=- {\"certificate_name\":\"AWS Certified Solutions Architect - "
       "Associate\",\"issuer\":\"T\xc3\x9cV S\xc3\xbc"
       "d\",\"issue_date\":\"2021-01-15\",\"expiry_date\":\"2024-01-15\",\"credential_url\":"
       "\"https://certs.example.com/verify/123?lang=en\"}"},
      {"certificate", kCertificate,
       certificate("Zertifizierter Datenschutzbeauftragter (TÜV)", "2020-02-29", "2020-02-29",
                   "HTTP://example.com/a\"b\\c/é"),
       "ok ts=1614834367000000 src=- {\"certificate_name\":\"Zertifizierter "
       "Datenschutzbeauftragter (T\xc3\x9cV)\",\"issuer\":\"T\xc3\x9cV S\xc3\xbc"
       "d\",\"issue_date\":\"2020-02-29\",\"expiry_date\":\"2020-02-29\",\"credential_url\":\"HTTP:"
       "//example.com/a\\\"b\\\\c/\xc3\xa9\"}"},
      {"certificate", kCertificate, certificate("PMP, \"Project\"", "", "2020-01-01", ""),
       "ok ts=1614834367000000 src=- {\"certificate_name\":\"PMP, "
       "\\\"Project\\\"\",\"issuer\":\"T\xc3\x9cV S\xc3\xbc"
       "d\",\"expiry_date\":\"2020-01-01\"}"},
      {"certificate", kCertificate, certificate("n", "2021-01-15", "2021-01-14", ""),
       "error expiry_date|invalid_date_range|expiry_date '2021-01-14' is before issue_date "
       "'2021-01-15'"},
      {"certificate", kCertificate, certificate("n", "2021-02-30", "", ""),
       "error issue_date|invalid_date|'2021-02-30' is not a valid ISO 8601 date (YYYY-MM-DD): day "
       "30 does not exist in 2021-02"},
      {"certificate", kCertificate, certificate("n", "2021-02-03x", "", ""),
       "error issue_date|invalid_date|'2021-02-03x' is not a valid ISO 8601 date (YYYY-MM-DD): "
       "unexpected text after the date"},
      {"certificate", kCertificate, certificate("n", "", "", "https://a b.example.com"),
       "error credential_url|invalid_url|credential_url must be an http:// or https:// URL without "
       "spaces (got 'https://a b.example.com')"},
      {"certificate", kCertificate, certificate("n", "", "", "https://example.com/\x7f"),
       "error credential_url|invalid_url|credential_url must be an http:// or https:// URL without "
       "spaces (got 'https://example.com/?')"},
      {"certificate", kCertificate, certificate("n", "", "", "https://example.com/\xff"),
       "error credential_url|invalid_url|credential_url must be an http:// or https:// URL without "
       "spaces (got 'https://example.com/?')"},
      {"certificate", kCertificate, certificate("n", "", "", "https://"),
       "error credential_url|invalid_url|credential_url must be an http:// or https:// URL without "
       "spaces (got 'https://')"},
      {"certificate", kCertificate, certificate("n", "", "", "ftp://example.com"),
       "error credential_url|invalid_url|credential_url must be an http:// or https:// URL without "
       "spaces (got 'ftp://example.com')"},
      {"certificate", kCertificate,
       certificate("n", "", "", "https://example.com/" + std::string(2030, 'u')),
       "error credential_url|too_long|credential_url is 2050 bytes long; the limit is 2048 bytes"},
      {"certificate", kCertificate, certificate("", "", "", ""),
       "error certificate_id|missing_content|the row needs one of: certificate_id | "
       "certificate_name"},
      // Enums, an id content field, and required content.
      {"feedback", kFeedback, feedback("Explains \"well\"", "5", "direct_report", "employee-2"),
       "ok ts=1577836800000000 src=- {\"feedback_text\":\"Explains "
       "\\\"well\\\"\",\"rating\":\"5\",\"reviewer_role\":\"direct_report\",\"reviewer_external_"
       "id\":\"employee-2\"}"},
      {"feedback", kFeedback, feedback("t", "6", "", ""),
       "error rating|invalid_value|rating must be one of 1, 2, 3, 4, 5 (got '6')"},
      {"feedback", kFeedback, feedback("t", "", "Peer", ""),
       "error reviewer_role|invalid_value|reviewer_role must be one of self, manager, peer, "
       "direct_report, customer, other (got 'Peer')"},
      {"feedback", kFeedback, feedback("t", "", "", "employee 2"),
       "error reviewer_external_id|invalid_external_id|reviewer_external_id must be 1-100 "
       "characters of A-Z a-z 0-9 _ - (got 'employee 2')"},
      {"feedback", kFeedback, feedback("", "1", "", ""),
       "error feedback_text|required|feedback_text is required"},
      {"working_history",
       kWorking,
       {"e", "de", "w-1", "2019-03-01T08:00:00+01:00", "Data Engineer", "Built\tthings",
        "2019-03-01", "", "Acme, Inc."},
       "ok ts=1551423600000000 src=- {\"job_title\":\"Data "
       "Engineer\",\"job_description\":\"Built\\tthings\",\"start_date\":\"2019-03-01\","
       "\"company\":\"Acme, Inc.\"}"},
      {"working_history",
       kWorking,
       {"e", "de", "w-1", "2019-03-01", "Data Engineer", "", "2019-03-01", "", ""},
       "error job_description|required|job_description is required"},
  };
}

TEST(RowPinTest, MapperOutputIsUnchangedByteForByte) {
  const std::vector<Case> all = cases();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(describe(all[i]), all[i].expected) << "case " << i;
  }
}

}  // namespace
}  // namespace skillsync::schema
