// docs/entities.md and docs/errors.md: the committed files are exactly what
// the registry and the error catalog render, and the catalog lists every
// code the schema module can emit.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "schema/checks.hpp"
#include "schema/docs.hpp"

namespace skillsync::schema {
namespace {

namespace json = boost::json;

constexpr const char* kRegenerate =
    "regenerate it with: cmake --build <build-dir> --target render_docs && "
    "<build-dir>/src/schema/render_docs (then review and commit the diff)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first line where `a` and `b` differ, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(sa, la));
    const bool hb = static_cast<bool>(std::getline(sb, lb));
    if (!ha && !hb) return "no difference";
    if (!ha || !hb || la != lb) {
      return "line " + std::to_string(line) + ":\n  committed: " + (ha ? la : "<end>") +
             "\n  rendered:  " + (hb ? lb : "<end>");
    }
  }
}

TEST(DocsTest, CommittedEntitiesMdMatchesTheRegistry) {
  const std::string committed = read_file(std::string(SKILLSYNC_DOCS_DIR) + "/entities.md");
  const std::string rendered = render_entities_markdown();
  EXPECT_TRUE(committed == rendered)
      << "docs/entities.md is out of date with the entity registry; " << kRegenerate << "\n"
      << first_difference(committed, rendered);
}

TEST(DocsTest, CommittedErrorsMdMatchesTheCatalog) {
  const std::string committed = read_file(std::string(SKILLSYNC_DOCS_DIR) + "/errors.md");
  const std::string rendered = render_errors_markdown();
  EXPECT_TRUE(committed == rendered)
      << "docs/errors.md is out of date with the error catalog; " << kRegenerate << "\n"
      << first_difference(committed, rendered);
}

TEST(DocsTest, EntitiesMdSaysHowItWasGeneratedAndDescribesEveryColumn) {
  const std::string md = render_entities_markdown();
  EXPECT_EQ(md.find("# Entity types\n\n<!-- Generated from the entity registry"), 0u);
  EXPECT_NE(md.find("--target render_docs"), std::string::npos);
  for (const FieldDef& f : top_level_fields()) {
    EXPECT_NE(md.find("| `" + f.name + "` | "), std::string::npos) << f.name;
  }
  for (const EntityDef& e : all_entities()) {
    SCOPED_TRACE(e.event_type);
    const size_t at = md.find("## `" + e.event_type + "`\n");
    ASSERT_NE(at, std::string::npos);
    const size_t end = md.find("\n## ", at + 1);
    const std::string section = md.substr(at, end == std::string::npos ? end : end - at);
    for (const FieldDef& f : e.content_fields) {
      const size_t row = section.find("| `" + f.name + "` | ");
      ASSERT_NE(row, std::string::npos) << f.name;
      const std::string line = section.substr(row, section.find('\n', row) - row);
      EXPECT_EQ(line.find("| required |") != std::string::npos, f.required) << line;
      if (f.type == FieldType::kText || f.type == FieldType::kUrl) {
        EXPECT_NE(line.find("≤ " + std::to_string(f.max_length) + " bytes"), std::string::npos)
            << line;
      }
      for (const std::string& v : f.allowed_values) {
        EXPECT_NE(line.find("`" + v + "`"), std::string::npos) << line;
      }
    }
    for (const auto& group : e.one_of) {
      EXPECT_NE(section.find("`" + group[0] + "`"), std::string::npos);
    }
    for (const DateRange& r : e.date_ranges) {
      EXPECT_NE(section.find("`" + r.later + "` must not be before `" + r.earlier + "`"),
                std::string::npos);
    }
    EXPECT_NE(section.find("```csv\nemployee_external_id,language,external_id,timestamp,"),
              std::string::npos);
    EXPECT_NE(section.find("\"event_type\": \"" + e.event_type + "\""), std::string::npos);
  }
}

TEST(DocsTest, TheLearningExampleIsTheTutorialsRow) {
  const std::string md = render_entities_markdown();
  EXPECT_NE(md.find("```csv\n"
                    "employee_external_id,language,external_id,timestamp,course_id,source\n"
                    "employee-1,en,learning-1,2021-01-01T00:00:00Z,course-1,source-1\n```"),
            std::string::npos);
}

TEST(DocsTest, ExampleValuesWithCommasAreQuoted) {
  const std::string md = render_entities_markdown();
  EXPECT_NE(md.find(",\"Built the data platform, mentored two juniors\","), std::string::npos);
}

TEST(ErrorCatalogTest, CodesAreUniqueStableAndExplained) {
  std::set<std::string_view> seen;
  for (const ErrorCodeInfo& e : error_catalog()) {
    EXPECT_TRUE(seen.insert(e.code).second) << e.code << " listed twice";
    EXPECT_NE(e.where, 0u) << e.code;
    EXPECT_GT(e.meaning.size(), 10u) << e.code;
    EXPECT_EQ(find_error_code(e.code), &e);
    // snake_case, except S3's own codes, which keep S3's spelling.
    bool snake = !e.code.empty();
    for (char c : e.code)
      snake = snake && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    const bool s3 = e.meaning.substr(0, 3) == "S3:";
    EXPECT_TRUE(snake || s3) << e.code;
  }
  EXPECT_EQ(find_error_code("no_such_code"), nullptr);
}

TEST(ErrorCatalogTest, ListsTheCodesOfEveryStage) {
  const struct {
    const char* code;
    unsigned where;
  } want[] = {
      {"unterminated_quote", kRowError},
      {"unexpected_quote", kRowError},
      {"field_too_long", kRowError},
      {"record_too_long", kRowError},
      {"invalid_utf8", kRowError},
      {"nul_character", kRowError},
      {"wrong_field_count", kRowError},
      {"missing_columns", kTaskError},
      {"duplicate_columns", kTaskError},
      {"unknown_columns", kTaskError},
      {"empty_file", kTaskError},
      {"invalid_header", kTaskError},
      {"credentials_unreadable", kTaskError},
      {"connection_failed", kTaskError},
      {"timeout", kTaskError},
      {"object_changed", kTaskError},
      {"NoSuchKey", kTaskError},
      {"NoSuchBucket", kTaskError},
      {"AccessDenied", kTaskError},
      {"SignatureDoesNotMatch", kTaskError},
      {"InvalidAccessKeyId", kTaskError},
      {"InvalidToken", kTaskError},
      {"ExpiredToken", kTaskError},
      {"too_many_rejected_rows", kTaskError},
      {"rejected_rows_abort", kTaskError},
      {"invalid_encoding", kTaskError},
      {"invalid_fields", kApiError},
  };
  for (const auto& w : want) {
    const ErrorCodeInfo* e = find_error_code(w.code);
    ASSERT_NE(e, nullptr) << w.code;
    EXPECT_NE(e->where & w.where, 0u) << w.code;
  }
  const std::string md = render_errors_markdown();
  EXPECT_EQ(md.find("# Error codes\n\n<!-- Generated from the error catalog"), 0u);
  for (const ErrorCodeInfo& e : error_catalog()) {
    EXPECT_NE(md.find("| `" + std::string(e.code) + "` | "), std::string::npos) << e.code;
  }
  EXPECT_NE(md.find("superseded"), std::string::npos);
}

// Every code the schema module can put in a FieldError, an Error or a row.
std::set<std::string> codes_schema_emits() {
  std::set<std::string> codes;
  for (int i = 1; i <= static_cast<int>(internal::Fail::kLast); ++i) {
    codes.insert(internal::fail_code(static_cast<internal::Fail>(i)));
  }
  // The API path.
  std::vector<FieldError> errors;
  auto api = [&](std::string_view employee, std::string_view language, std::string_view body) {
    auto r = event_from_json(employee, language, json::parse(body).as_object(), &errors);
    EXPECT_FALSE(r.ok()) << body;
    if (!r.ok()) codes.insert(r.error().code);
  };
  api("", "", R"({"external_id": 1, "bogus": 1, "event_type": "nope", "content": []})");
  api("e", "en", R"({"external_id": "x", "timestamp": "2021-01-01", "content": {}})");
  api("e", "en",
      R"({"external_id": "x", "event_type": "working_history", "timestamp": "2021-01-01",
          "content": {"job_title": "t", "job_description": "d", "start_date": "2021-01-02",
                      "end_date": "2021-01-01"}})");
  api("e", "en",
      R"({"external_id": "x", "event_type": "learning", "timestamp": "2021-01-01",
          "content": {"learning_title": "t"}})");
  for (const FieldError& e : errors) codes.insert(e.code);
  // The CSV path: headers, then rows.
  const EntityDef& wh = *find_entity("working_history");
  auto header_code = [&](std::vector<std::string_view> header) {
    auto r = HeaderBinding::bind(wh, header);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) codes.insert(r.error().code);
  };
  header_code({"employee_external_id", "employee_external_id"});
  header_code({"employee_external_id"});
  header_code({"employee_external_id", "language", "external_id", "timestamp", "job_title",
               "job_description", "start_date", "x"});
  const std::vector<std::string_view> header = {
      "employee_external_id", "language",   "external_id", "timestamp", "event_type", "job_title",
      "job_description",      "start_date", "end_date"};
  auto binding = HeaderBinding::bind(wh, header);
  EXPECT_TRUE(binding.ok());
  RowMapper m(*binding);
  Event ev;
  FieldError err;
  const std::vector<std::vector<std::string_view>> rows = {
      {"e"},
      {"e", "en", "x", "2021-01-01", "goal", "t", "d", "2021-01-01", ""},
      {"e", "en", "x", "2021-01-01", "", "t", "d", "2021-01-02", "2021-01-01"},
      {"e", "en", "x", "2021-01-01", "", "", "d", "2021-01-02", ""},
  };
  for (const auto& row : rows) {
    EXPECT_FALSE(m.map(row, ev, err));
    codes.insert(err.code);
  }
  const std::vector<std::string_view> learning_header = {"employee_external_id", "language",
                                                         "external_id", "timestamp", "course_id"};
  auto lb = HeaderBinding::bind(*find_entity("learning"), learning_header);
  EXPECT_TRUE(lb.ok());
  RowMapper lm(*lb);
  EXPECT_FALSE(lm.map(std::vector<std::string_view>{"e", "en", "x", "2021-01-01", ""}, ev, err));
  codes.insert(err.code);
  return codes;
}

TEST(ErrorCatalogTest, EveryCodeTheSchemaModuleEmitsIsListed) {
  const std::set<std::string> codes = codes_schema_emits();
  // The triggers above reach every code of the FieldError contract.
  const std::set<std::string> want = {
      "required",           "invalid_external_id", "invalid_language",  "invalid_timestamp",
      "invalid_date",       "invalid_value",       "invalid_url",       "too_long",
      "invalid_utf8",       "invalid_date_range",  "invalid_type",      "unknown_field",
      "unknown_event_type", "event_type_mismatch", "missing_content",   "wrong_field_count",
      "invalid_fields",     "missing_columns",     "duplicate_columns", "unknown_columns",
      "nul_character"};
  EXPECT_EQ(codes, want);
  for (const std::string& code : codes) {
    EXPECT_NE(find_error_code(code), nullptr) << code << " is not in the error catalog";
  }
}

}  // namespace
}  // namespace skillsync::schema
