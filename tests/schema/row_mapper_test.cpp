// RowMapper::map: CSV rows -> Events, each bad row one FieldError.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <new>

#include "common/time.hpp"
#include "schema/schema.hpp"

// Counts heap allocations so a test can prove the hot path makes none.
// GCC 12 at -O3 inlines these replacements into callers and then reports the
// malloc/free pair as mismatched with new/delete (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace skillsync::schema {
namespace {

namespace json = boost::json;
using Row = std::vector<std::string_view>;

const EntityDef& learning() { return *find_entity("learning"); }

const std::string kLongCourse(257, 'c');  // course_id allows 256 bytes
const std::string kLongSource(257, 's');  // source allows 256 bytes

const Row kTutorialHeader = {
    "employee_external_id", "language", "external_id", "timestamp", "course_id", "source"};

HeaderBinding bind(const EntityDef& e, const Row& header) {
  auto r = HeaderBinding::bind(e, header);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::move(r).value();
}

// Maps a row that must be rejected; returns the error.
FieldError map_error(const HeaderBinding& b, const Row& row) {
  RowMapper m(b);
  Event ev;
  FieldError err;
  EXPECT_FALSE(m.map(row, ev, err));
  return err;
}

TEST(RowMapperTest, TutorialRowsBecomeEvents) {
  HeaderBinding b = bind(learning(), kTutorialHeader);
  RowMapper m(b);
  Event ev;
  FieldError err;
  ASSERT_TRUE(
      m.map(Row{"employee-1", "en", "learning-1", "2021-01-01T00:00:00Z", "course-1", "source-1"},
            ev, err))
      << err.message;
  EXPECT_EQ(ev.employee_external_id, "employee-1");
  EXPECT_EQ(ev.language, "en");
  EXPECT_EQ(ev.external_id, "learning-1");
  EXPECT_EQ(ev.event_type, "learning");
  EXPECT_EQ(ev.timestamp, 1609459200LL * 1000000);
  EXPECT_EQ(ev.content_json, R"({"course_id":"course-1"})");
  EXPECT_EQ(ev.source, "source-1");

  // The same Event is reused: every field is overwritten, an empty source
  // becomes absent.
  ASSERT_TRUE(m.map(Row{"employee-2", "nl", "learning-2", "2021-01-02", "c-2", ""}, ev, err));
  EXPECT_EQ(ev.employee_external_id, "employee-2");
  EXPECT_EQ(ev.language, "nl");
  EXPECT_EQ(ev.external_id, "learning-2");
  EXPECT_EQ(format_rfc3339(ev.timestamp), "2021-01-02T00:00:00Z");
  EXPECT_EQ(ev.content_json, R"({"course_id":"c-2"})");
  EXPECT_FALSE(ev.source.has_value());
}

TEST(RowMapperTest, WrongFieldCount) {
  HeaderBinding b = bind(learning(), kTutorialHeader);
  FieldError e = map_error(b, {"employee-1", "en", "learning-1", "2021-01-01", "c"});
  EXPECT_EQ(e.code, "wrong_field_count");
  EXPECT_EQ(e.field, "");
  EXPECT_EQ(e.message, "expected 6 fields, found 5");
  e = map_error(b, {"a", "en", "b", "2021-01-01", "c", "s", "extra"});
  EXPECT_EQ(e.message, "expected 6 fields, found 7");
}

TEST(RowMapperTest, EachFieldErrorCode) {
  HeaderBinding b = bind(
      learning(), {"employee_external_id", "language", "external_id", "timestamp", "event_type",
                   "course_id", "learning_title", "learning_description", "source"});
  struct Case {
    Row row;
    const char* field;
    const char* code;
  } cases[] = {
      {{"", "en", "x", "2021-01-01", "", "c", "", "", ""}, "employee_external_id", "required"},
      {{"e", "", "x", "2021-01-01", "", "c", "", "", ""}, "language", "required"},
      {{"e", "en", "", "2021-01-01", "", "c", "", "", ""}, "external_id", "required"},
      {{"e", "en", "x", "", "", "c", "", "", ""}, "timestamp", "required"},
      {{"e f", "en", "x", "2021-01-01", "", "c", "", "", ""},
       "employee_external_id",
       "invalid_external_id"},
      {{"e", "en", "x.1", "2021-01-01", "", "c", "", "", ""}, "external_id", "invalid_external_id"},
      {{"e", "english", "x", "2021-01-01", "", "c", "", "", ""}, "language", "invalid_language"},
      {{"e", "en", "x", "2021-02-29", "", "c", "", "", ""}, "timestamp", "invalid_timestamp"},
      {{"e", "en", "x", "2021-01-01", "skill", "c", "", "", ""},
       "event_type",
       "event_type_mismatch"},
      {{"e", "en", "x", "2021-01-01", "", std::string_view(kLongCourse), "", "", ""},
       "course_id",
       "too_long"},
      {{"e", "en", "x", "2021-01-01", "", "", "t\xC3", "d", ""}, "learning_title", "invalid_utf8"},
      {{"e", "en", "x", "2021-01-01", "", "", std::string_view("t\0t", 3), "d", ""},
       "learning_title",
       "nul_character"},
      {{"e", "en", "x", "2021-01-01", "", "c", "", "", std::string_view("s\0", 2)},
       "source",
       "nul_character"},
      {{"e", "en", "x", "2021-01-01", "", "", "", "", ""}, "course_id", "missing_content"},
      {{"e", "en", "x", "2021-01-01", "", "c", "", "", std::string_view(kLongSource)},
       "source",
       "too_long"},
  };
  for (const Case& c : cases) {
    FieldError e = map_error(b, c.row);
    EXPECT_EQ(e.field, c.field) << c.code;
    EXPECT_EQ(e.code, c.code) << c.field << ": " << e.message;
  }
}

TEST(RowMapperTest, Messages) {
  HeaderBinding b =
      bind(learning(), {"employee_external_id", "language", "external_id", "timestamp",
                        "event_type", "learning_title", "learning_description"});
  FieldError e = map_error(b, {"e", "en", "x", "2021-13-01", "", "t", "d"});
  EXPECT_EQ(e.message, "'2021-13-01' is not a valid ISO 8601 timestamp: month 13");
  e = map_error(b, {"e", "en", "bad id", "2021-01-01", "", "t", "d"});
  EXPECT_EQ(e.message, "external_id must be 1-100 characters of A-Z a-z 0-9 _ - (got 'bad id')");
  e = map_error(b, {"e", "en", "x", "2021-01-01", "skill", "t", "d"});
  EXPECT_EQ(e.message, "event_type 'skill' does not match the task's entity type 'learning'");
  e = map_error(b, {"e", "", "x", "2021-01-01", "", "t", "d"});
  EXPECT_EQ(e.message, "language is required");
  // Only the title/description group exists here: the missing half is named.
  e = map_error(b, {"e", "en", "x", "2021-01-01", "", "t", ""});
  EXPECT_EQ(e.field, "learning_description");
  EXPECT_EQ(e.code, "missing_content");
  EXPECT_EQ(e.message, "the row needs one of: course_id | learning_title+learning_description");
  // A matching event_type column is fine.
  RowMapper m(b);
  Event ev;
  EXPECT_TRUE(m.map(Row{"e", "en", "x", "2021-01-01", "learning", "t", "d"}, ev, e)) << e.message;
}

TEST(RowMapperTest, IgnoredUnknownColumnsAreSkipped) {
  auto b = HeaderBinding::bind(
      learning(),
      Row{"notes", "employee_external_id", "language", "external_id", "timestamp", "course_id"},
      true);
  ASSERT_TRUE(b.ok());
  RowMapper m(*b);
  Event ev;
  FieldError e;
  ASSERT_TRUE(m.map(Row{"anything, even bad \xFF", "e", "en", "x", "2021-01-01", "c"}, ev, e));
  EXPECT_EQ(ev.content_json, R"({"course_id":"c"})");
}

// --- The CSV row and the JSON POST make the same Event ------------------

const Row kFullHeader = {"employee_external_id",
                         "language",
                         "external_id",
                         "timestamp",
                         "event_type",
                         "course_id",
                         "learning_title",
                         "learning_description",
                         "source"};

// The body a client would POST for this row (empty fields left out).
json::object as_json_body(const Row& header, const Row& row) {
  json::object body, content;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string_view col = header[i], v = row[i];
    if (v.empty() || col == kEmployeeExternalId || col == kLanguage) continue;
    if (col == "course_id" || col == "learning_title" || col == "learning_description") {
      content[col] = v;
    } else {
      body[col] = v;
    }
  }
  if (!body.contains("event_type")) body["event_type"] = "learning";
  body["content"] = std::move(content);
  return body;
}

TEST(RowMapperTest, RowsMakeTheSameEventsAsTheJsonApi) {
  const Row rows[] = {
      {"employee-1", "en", "learning-1", "2021-01-01T00:00:00Z", "", "course-1", "", "", "src"},
      {"e_2", "nl", "L-2", "2021-01-01T01:30:00+02:00", "learning", "", "Title \"q\"",
       "line1\nline2\t\\ caf\xC3\xA9 \xF0\x9F\x98\x80 \x01", ""},
      {"E3", "auto", "x", "2020-02-29", "", "c", "both", "groups", "s"},
      {"e4", "de", "y", "2021-06-30t23:59:59.1234567z", "", "", "t", "d", ""},
      {"e5", "fr", "z", "1999-12-31 23:00:00-01:00", "", "c", "title only", "", ""},
  };
  HeaderBinding b = bind(learning(), kFullHeader);
  RowMapper m(b);
  Event csv;
  for (const Row& row : rows) {
    FieldError err;
    ASSERT_TRUE(m.map(row, csv, err)) << row[2] << ": " << err.message;
    std::vector<FieldError> errors;
    auto api = event_from_json(row[0], row[1], as_json_body(kFullHeader, row), &errors);
    ASSERT_TRUE(api.ok()) << row[2] << ": " << api.error().message;
    EXPECT_EQ(csv.employee_external_id, api->employee_external_id);
    EXPECT_EQ(csv.external_id, api->external_id);
    EXPECT_EQ(csv.event_type, api->event_type);
    EXPECT_EQ(csv.timestamp, api->timestamp);
    EXPECT_EQ(csv.language, api->language);
    EXPECT_EQ(csv.content_json, api->content_json);
    EXPECT_EQ(csv.source, api->source);
    // content_json is valid JSON holding exactly the non-empty content cells.
    const json::object content = json::parse(csv.content_json).as_object();
    for (size_t i = 5; i <= 7; ++i) {
      if (row[i].empty()) {
        EXPECT_FALSE(content.contains(kFullHeader[i]));
      } else {
        EXPECT_EQ(content.at(kFullHeader[i]).as_string(), row[i]);
      }
    }
  }
  EXPECT_EQ(format_rfc3339(csv.timestamp), "2000-01-01T00:00:00Z");
}

TEST(RowMapperTest, BadRowsFailTheSameWayAsTheJsonApi) {
  const Row rows[] = {
      {"e", "en", "bad id", "2021-01-01", "", "c", "", "", ""},
      {"e", "en", "x", "2021-01-01T10:00:00", "", "c", "", "", ""},
      {"e", "es", "x", "2021-01-01", "", "c", "", "", ""},
      {"e", "en", "x", "2021-01-01", "", std::string_view(kLongCourse), "", "", ""},
      {"e", "en", "x", "2021-01-01", "", "", "t", "", ""},
  };
  HeaderBinding b = bind(learning(), kFullHeader);
  for (const Row& row : rows) {
    FieldError csv = map_error(b, row);
    std::vector<FieldError> errors;
    auto api = event_from_json(row[0], row[1], as_json_body(kFullHeader, row), &errors);
    ASSERT_FALSE(api.ok());
    ASSERT_EQ(errors.size(), 1u) << row[2] << " " << row[3];
    EXPECT_EQ(csv.code, errors[0].code);
    if (csv.code == "missing_content") continue;  // CSV names a column, JSON "content"
    if (errors[0].field == csv.field) {
      EXPECT_EQ(csv.message, errors[0].message);
    } else {
      // A content column is "content.<name>" in the API, in field and message.
      EXPECT_EQ(errors[0].field, "content." + csv.field);
      EXPECT_EQ(errors[0].message, "content." + csv.message);
    }
  }
}

TEST(RowMapperTest, NoAllocationPerRowOnceWarm) {
  HeaderBinding b = bind(learning(), kFullHeader);
  RowMapper m(b);
  Event ev;
  FieldError err;
  const Row warm = {"employee-000001",
                    "en",
                    "learning-000001",
                    "2021-01-01T00:00:00+02:00",
                    "learning",
                    "course-000001",
                    "a title",
                    "a longer description text",
                    "src-1"};
  ASSERT_TRUE(m.map(warm, ev, err));
  const Row with_source = {"employee-2", "nl", "learning-2", "2021-01-01", "",
                           "course-2",   "",   "",           "source-2"};
  const Row without_source = {"employee-2", "nl", "learning-2", "2021-01-01", "", "", "t", "d", ""};
  const size_t before = g_allocations.load();
  bool all_ok = true;
  for (int i = 0; i < 1000; ++i) {
    all_ok = m.map(warm, ev, err) && all_ok;
    all_ok = m.map(i % 2 ? with_source : without_source, ev, err) && all_ok;
  }
  const size_t allocations = g_allocations.load() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0u);
  // The counter does see allocations (so the zero above means something).
  auto probe = std::make_unique<std::string>(100, 'x');
  EXPECT_GE(g_allocations.load() - before, 2u);
}

// A long source (past the small-string buffer) that comes and goes from
// row to row: the absent rows leave the Event without a source, the others
// get theirs, and none of it allocates once warm.
TEST(RowMapperTest, LongSourcesComingAndGoingAllocateNothing) {
  HeaderBinding b = bind(learning(), kTutorialHeader);
  RowMapper m(b);
  Event ev;
  FieldError err;
  const Row with_source = {"employee-1", "en",  "l-1",
                           "2021-01-01", "c-1", "LinkedIn Learning, Inc. (a long source)"};
  const Row without_source = {"employee-1", "en", "l-2", "2021-01-01", "c-2", ""};
  ASSERT_TRUE(m.map(with_source, ev, err));
  ASSERT_TRUE(m.map(without_source, ev, err));
  const size_t before = g_allocations.load();
  bool all_ok = true;
  for (int i = 0; i < 100; ++i) {
    all_ok = m.map(with_source, ev, err) && all_ok;
    all_ok = all_ok && ev.source && *ev.source == with_source[5];
    all_ok = m.map(without_source, ev, err) && all_ok;
    all_ok = all_ok && !ev.source.has_value();
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_TRUE(all_ok);
}

// The same for entities with dates, a date range, enums, URLs and required
// fields next to one-of groups.
TEST(RowMapperTest, NoAllocationPerRowOnceWarmForEveryKindOfField) {
  struct Case {
    const char* type;
    Row header;
    Row rows[2];
  } cases[] = {
      {"working_history",
       {"employee_external_id", "language", "external_id", "timestamp", "job_title",
        "job_description", "start_date", "end_date", "company", "source"},
       {{"employee-1", "en", "wh-1", "2021-01-01", "Data Engineer",
         "Built the data platform, mentored two juniors", "2019-03-01", "2021-06-30", "Acme Corp",
         "src"},
        {"employee-2", "de", "wh-2", "2021-01-01T10:00:00Z", "Engineer", "Builds", "2019-03-01", "",
         "", ""}}},
      {"feedback",
       {"employee_external_id", "language", "external_id", "timestamp", "event_type",
        "feedback_text", "rating", "reviewer_role", "reviewer_external_id"},
       {{"employee-1", "en", "fb-1", "2021-01-01", "feedback", "Explains well", "5", "peer",
         "employee-2"},
        {"employee-3", "fr", "fb-2", "2021-01-02", "", "Great mentor", "", "direct_report", ""}}},
      {"certificate",
       {"employee_external_id", "language", "external_id", "timestamp", "certificate_id",
        "certificate_name", "issuer", "issue_date", "expiry_date", "credential_url"},
       {{"employee-1", "en", "c-1", "2021-01-01", "", "AWS Certified Solutions Architect", "Amazon",
         "2021-01-15", "2024-01-15", "https://certs.example.com/c/123"},
        {"employee-1", "en", "c-2", "2021-01-01", "cert-77", "", "", "2021-01-15", "2021-01-15",
         ""}}},
      {"skill_profile_feedback",
       {"employee_external_id", "language", "external_id", "timestamp", "skill_id", "skill_name",
        "feedback_type", "proficiency", "comment"},
       {{"employee-1", "en", "s-1", "2021-01-01", "", "Python", "confirmed", "expert", "yes"},
        {"employee-1", "en", "s-2", "2021-01-01", "skill-9", "", "added", "", ""}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    HeaderBinding b = bind(*find_entity(c.type), c.header);
    RowMapper m(b);
    Event ev;
    FieldError err;
    ASSERT_TRUE(m.map(c.rows[0], ev, err)) << err.message;
    ASSERT_TRUE(m.map(c.rows[1], ev, err)) << err.message;
    ASSERT_TRUE(m.map(c.rows[0], ev, err)) << err.message;
    const size_t before = g_allocations.load();
    bool all_ok = true;
    for (int i = 0; i < 1000; ++i) all_ok = m.map(c.rows[i % 2], ev, err) && all_ok;
    EXPECT_EQ(g_allocations.load() - before, 0u);
    EXPECT_TRUE(all_ok);
  }
}

TEST(RowMapperTest, EntitiesAreDataDatesTimestampsAndRequiredFields) {
  // A hypothetical later entity: no one_of, so required flags decide.
  const EntityDef cert{
      .event_type = "certificate",
      .content_fields = {{.name = "certificate_id",
                          .type = FieldType::kExternalId,
                          .required = true},
                         {.name = "issued_on", .type = FieldType::kDate},
                         {.name = "valid_until", .type = FieldType::kTimestamp},
                         {.name = "note", .type = FieldType::kText, .max_length = 4}},
      .one_of = {}};
  ASSERT_TRUE(check_entity_def(cert).ok());
  const Row header = {"employee_external_id", "language",  "external_id", "timestamp",
                      "certificate_id",       "issued_on", "valid_until", "note"};
  Error missing = HeaderBinding::bind(cert, Row{"employee_external_id", "language", "external_id",
                                                "timestamp", "note"})
                      .error();
  EXPECT_EQ(missing.code, "missing_columns");
  EXPECT_EQ(missing.message, "missing required columns: certificate_id");

  HeaderBinding b = bind(cert, header);
  RowMapper m(b);
  Event ev;
  FieldError e;
  ASSERT_TRUE(m.map(
      Row{"e", "en", "x", "2021-01-01", "cert-1", "2020-02-29", "2022-01-01T01:00:00+01:00", "ok"},
      ev, e))
      << e.message;
  EXPECT_EQ(ev.event_type, "certificate");
  EXPECT_EQ(
      ev.content_json,
      R"({"certificate_id":"cert-1","issued_on":"2020-02-29","valid_until":"2022-01-01T00:00:00Z","note":"ok"})");
  ASSERT_TRUE(m.map(Row{"e", "en", "x", "2021-01-01", "cert-1", "", "", ""}, ev, e));
  EXPECT_EQ(ev.content_json, R"({"certificate_id":"cert-1"})");

  e = map_error(b, {"e", "en", "x", "2021-01-01", "", "2020-01-01", "", ""});
  EXPECT_EQ(e.field, "certificate_id");
  EXPECT_EQ(e.code, "required");
  e = map_error(b, {"e", "en", "x", "2021-01-01", "c 1", "", "", ""});
  EXPECT_EQ(e.code, "invalid_external_id");
  e = map_error(b, {"e", "en", "x", "2021-01-01", "c", "2021-02-29", "", ""});
  EXPECT_EQ(e.field, "issued_on");
  EXPECT_EQ(e.code, "invalid_date");
  EXPECT_EQ(e.message,
            "'2021-02-29' is not a valid ISO 8601 date (YYYY-MM-DD): day 29 does not exist in "
            "2021-02");
  e = map_error(b, {"e", "en", "x", "2021-01-01", "c", "2021-01-01T00:00:00Z", "", ""});
  EXPECT_EQ(e.code, "invalid_date");
  e = map_error(b, {"e", "en", "x", "2021-01-01", "c", "", "2021-01-01", "toolong"});
  EXPECT_EQ(e.field, "note");
  EXPECT_EQ(e.code, "too_long");
  e = map_error(b, {"e", "en", "x", "2021-01-01", "c", "", "2021-01-01T10:00", ""});
  EXPECT_EQ(e.field, "valid_until");
  EXPECT_EQ(e.code, "invalid_timestamp");
}

}  // namespace
}  // namespace skillsync::schema
