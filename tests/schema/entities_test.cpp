// Every registered entity, through both paths (CSV row and API body): its
// definition, required fields, one-of groups, limits, typed fields and date
// ranges. Parameterized over all_entities(), so a new entity is covered the
// moment it is registered.
#include <gtest/gtest.h>

#include "entity_rows.hpp"

namespace skillsync::schema {
namespace {

namespace json = boost::json;
using testing::CsvRow;

// The outcome of one row through the CSV path and through the API.
struct BothPaths {
  bool csv_ok = false;
  Event csv;
  FieldError csv_error;
  bool api_ok = false;
  Event api;
  std::vector<FieldError> api_errors;
};

BothPaths run(const EntityDef& e, const CsvRow& r) {
  BothPaths out;
  const auto header = CsvRow::views(r.header);
  auto binding = HeaderBinding::bind(e, header);
  EXPECT_TRUE(binding.ok()) << binding.error().message;
  if (binding.ok()) {
    RowMapper m(*binding);
    out.csv_ok = m.map(CsvRow::views(r.row), out.csv, out.csv_error);
  }
  auto api = event_from_json(testing::employee_of(r), testing::language_of(r),
                             testing::as_json_body(e, r), &out.api_errors);
  out.api_ok = api.ok();
  if (api.ok()) out.api = std::move(api).value();
  return out;
}

void expect_same_event(const BothPaths& b) {
  ASSERT_TRUE(b.csv_ok) << b.csv_error.field << ": " << b.csv_error.message;
  ASSERT_TRUE(b.api_ok) << (b.api_errors.empty() ? "" : b.api_errors[0].message);
  EXPECT_EQ(b.csv.employee_external_id, b.api.employee_external_id);
  EXPECT_EQ(b.csv.external_id, b.api.external_id);
  EXPECT_EQ(b.csv.event_type, b.api.event_type);
  EXPECT_EQ(b.csv.timestamp, b.api.timestamp);
  EXPECT_EQ(b.csv.language, b.api.language);
  EXPECT_EQ(b.csv.content_json, b.api.content_json);
  EXPECT_EQ(b.csv.source, b.api.source);
}

// Both paths reject the row with `code`: CSV on column `column`, the API
// with exactly one detail on `api_field`, and the same message up to the
// "content." prefix of content paths.
void expect_rejected(const BothPaths& b, std::string_view column, std::string_view api_field,
                     std::string_view code) {
  EXPECT_FALSE(b.csv_ok);
  EXPECT_EQ(b.csv_error.field, column);
  EXPECT_EQ(b.csv_error.code, code) << b.csv_error.message;
  EXPECT_FALSE(b.api_ok);
  ASSERT_EQ(b.api_errors.size(), 1u)
      << (b.api_errors.empty() ? "" : b.api_errors[0].field + " " + b.api_errors[0].code);
  EXPECT_EQ(b.api_errors[0].field, api_field);
  EXPECT_EQ(b.api_errors[0].code, code) << b.api_errors[0].message;
  if (code == "missing_content" || code == "invalid_date_range") return;  // phrased per path
  const std::string& api_msg = b.api_errors[0].message;
  EXPECT_TRUE(api_msg == b.csv_error.message || api_msg == "content." + b.csv_error.message)
      << api_msg << " vs " << b.csv_error.message;
}

const FieldDef& def_of(const EntityDef& e, std::string_view name) {
  for (const FieldDef& f : e.content_fields) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no content field " << name;
  return e.content_fields.front();
}

class EntityTest : public ::testing::TestWithParam<std::string> {
 protected:
  const EntityDef& entity() const { return *find_entity(GetParam()); }
};

std::vector<std::string> all_event_types() {
  std::vector<std::string> out;
  for (const EntityDef& e : all_entities()) out.push_back(e.event_type);
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllEntities, EntityTest, ::testing::ValuesIn(all_event_types()),
                         [](const auto& info) { return info.param; });

TEST_P(EntityTest, DefinitionIsWellFormedDocumentedAndBounded) {
  const EntityDef& e = entity();
  Status s = check_entity_def(e);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  EXPECT_FALSE(e.description.empty());
  for (const FieldDef& f : e.content_fields) {
    EXPECT_FALSE(f.description.empty()) << f.name;
    // Every limit is explicit in the registry, so the docs state it.
    if (f.type == FieldType::kText || f.type == FieldType::kUrl) {
      EXPECT_GT(f.max_length, 0u) << f.name;
      EXPECT_LE(f.max_length, kDefaultTextMaxLength) << f.name << " exceeds the CSV field limit";
    }
  }
}

TEST_P(EntityTest, FullRowMakesTheSameEventThroughBothPaths) {
  const EntityDef& e = entity();
  const CsvRow r = testing::full_row(e);
  const BothPaths b = run(e, r);
  expect_same_event(b);
  EXPECT_EQ(b.csv.event_type, e.event_type);
  EXPECT_EQ(format_rfc3339(b.csv.timestamp), "2020-12-31T22:00:00Z");
  // content_json is JSON holding every content field, as given.
  const json::object content = json::parse(b.csv.content_json).as_object();
  EXPECT_EQ(content.size(), e.content_fields.size());
  for (const FieldDef& f : e.content_fields) {
    ASSERT_TRUE(content.contains(f.name)) << f.name;
    EXPECT_EQ(content.at(f.name).as_string(), r.row[r.column(f.name)]);
  }
}

TEST_P(EntityTest, DocsExampleRowIsValidThroughBothPaths) {
  const EntityDef& e = entity();
  CsvRow r = testing::full_row(e);
  // The docs' example leaves out the content columns without an example.
  for (const FieldDef& f : e.content_fields) {
    if (f.example.empty()) r.erase_column(f.name);
  }
  r.erase_column("event_type");
  expect_same_event(run(e, r));
}

TEST_P(EntityTest, EachRequiredContentFieldIsRequired) {
  const EntityDef& e = entity();
  for (const FieldDef& f : e.content_fields) {
    if (!f.required) continue;
    SCOPED_TRACE(f.name);
    CsvRow r = testing::full_row(e);
    r.set(f.name, "");
    expect_rejected(run(e, r), f.name, "content." + f.name, "required");

    r.erase_column(f.name);
    const auto header = CsvRow::views(r.header);
    auto bound = HeaderBinding::bind(e, header);
    ASSERT_FALSE(bound.ok());
    EXPECT_EQ(bound.error().code, "missing_columns");
    EXPECT_NE(bound.error().message.find(f.name), std::string::npos) << bound.error().message;
  }
}

TEST_P(EntityTest, OneOfGroupsEachSufficeAndNoneFails) {
  const EntityDef& e = entity();
  if (e.one_of.empty()) return;  // the required flags alone decide
  for (size_t g = 0; g < e.one_of.size(); ++g) {
    SCOPED_TRACE("group " + std::to_string(g + 1));
    // Only group g's columns are filled among the alternatives.
    CsvRow r = testing::full_row(e);
    for (const auto& group : e.one_of) {
      for (const std::string& name : group) r.set(name, "");
    }
    for (const std::string& name : e.one_of[g]) {
      r.set(name, testing::valid_value(def_of(e, name)));
    }
    expect_same_event(run(e, r));
  }
  CsvRow r = testing::full_row(e);
  for (const auto& group : e.one_of) {
    for (const std::string& name : group) r.set(name, "");
  }
  expect_rejected(run(e, r), e.one_of[0][0], "content", "missing_content");
  // A header without any complete group fails before any row.
  for (const auto& group : e.one_of) r.erase_column(group[0]);
  const auto header = CsvRow::views(r.header);
  auto bound = HeaderBinding::bind(e, header);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, "missing_columns");
  EXPECT_NE(bound.error().message.find("one of"), std::string::npos) << bound.error().message;
}

TEST_P(EntityTest, TextAndUrlLimitsHoldExactly) {
  const EntityDef& e = entity();
  for (const FieldDef& f : e.content_fields) {
    if (f.type != FieldType::kText && f.type != FieldType::kUrl) continue;
    SCOPED_TRACE(f.name);
    const std::string prefix = f.type == FieldType::kUrl ? "https://example.com/" : "";
    CsvRow r = testing::full_row(e);
    r.set(f.name, prefix + std::string(f.max_length - prefix.size(), 'x'));
    expect_same_event(run(e, r));
    r.set(f.name, prefix + std::string(f.max_length + 1 - prefix.size(), 'x'));
    expect_rejected(run(e, r), f.name, "content." + f.name, "too_long");
  }
}

TEST_P(EntityTest, TypedFieldsRejectBadValuesTheSameWay) {
  const EntityDef& e = entity();
  for (const FieldDef& f : e.content_fields) {
    SCOPED_TRACE(f.name);
    std::string bad, code;
    switch (f.type) {
      case FieldType::kText:
        bad = "caf\xC3", code = "invalid_utf8";
        break;
      case FieldType::kDate:
        bad = "2021-02-29", code = "invalid_date";
        break;
      case FieldType::kEnum:
        bad = f.allowed_values[0] + " ", code = "invalid_value";
        break;
      case FieldType::kUrl:
        bad = "ftp://example.com/x", code = "invalid_url";
        break;
      case FieldType::kExternalId:
        bad = "not an id", code = "invalid_external_id";
        break;
      case FieldType::kTimestamp:
        bad = "2021-01-01T10:00", code = "invalid_timestamp";
        break;
      case FieldType::kLanguage:
        bad = "EN", code = "invalid_language";
        break;
    }
    CsvRow r = testing::full_row(e);
    r.set(f.name, bad);
    expect_rejected(run(e, r), f.name, "content." + f.name, code);
    // Every allowed value of an enum is accepted.
    for (const std::string& v : f.allowed_values) {
      r.set(f.name, v);
      expect_same_event(run(e, r));
    }
  }
}

TEST_P(EntityTest, DateRangesRejectAnEndBeforeTheStart) {
  const EntityDef& e = entity();
  for (const DateRange& range : e.date_ranges) {
    SCOPED_TRACE(range.earlier + " <= " + range.later);
    CsvRow r = testing::full_row(e);
    r.set(range.earlier, "2020-03-01");
    r.set(range.later, "2020-02-29");
    const BothPaths b = run(e, r);
    expect_rejected(b, range.later, "content." + range.later, "invalid_date_range");
    EXPECT_EQ(b.csv_error.message,
              range.later + " '2020-02-29' is before " + range.earlier + " '2020-03-01'");
    r.set(range.later, "2020-03-01");  // the same day is fine
    expect_same_event(run(e, r));
    r.set(range.later, "2020-12-31");
    expect_same_event(run(e, r));
    // Either end absent: nothing to compare (unless the field is required).
    for (const std::string& name : {range.earlier, range.later}) {
      if (def_of(e, name).required) continue;
      CsvRow partial = r;
      partial.set(range.later, "2019-01-01");
      partial.set(name, "");
      expect_same_event(run(e, partial));
    }
  }
}

TEST_P(EntityTest, UnknownContentIsRejectedNotDropped) {
  const EntityDef& e = entity();
  CsvRow r = testing::full_row(e);
  json::object body = testing::as_json_body(e, r);
  body["content"].as_object()["employe_note"] = "typo";
  std::vector<FieldError> errors;
  EXPECT_FALSE(event_from_json("employee-1", "en", body, &errors).ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "unknown_field");
  EXPECT_EQ(errors[0].field, "content.employe_note");

  r.header.push_back("employe_note");
  r.row.push_back("typo");
  const auto header = CsvRow::views(r.header);
  auto bound = HeaderBinding::bind(e, header);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, "unknown_columns");
  EXPECT_NE(bound.error().message.find("'employe_note'"), std::string::npos);
  EXPECT_TRUE(HeaderBinding::bind(e, header, /*ignore_unknown_columns=*/true).ok());
}

TEST_P(EntityTest, AnotherEventTypeInTheRowIsAMismatch) {
  const EntityDef& e = entity();
  CsvRow r = testing::full_row(e);
  const std::string other = e.event_type == "learning" ? "goal" : "learning";
  r.set("event_type", other);
  const auto header = CsvRow::views(r.header);
  auto bound = HeaderBinding::bind(e, header);
  ASSERT_TRUE(bound.ok());
  RowMapper m(*bound);
  Event ev;
  FieldError err;
  EXPECT_FALSE(m.map(CsvRow::views(r.row), ev, err));
  EXPECT_EQ(err.code, "event_type_mismatch");
  EXPECT_EQ(err.field, "event_type");
}

TEST(EntityRegistryTest, EveryEventTypeOfTheApiIsRegistered) {
  const std::vector<std::string> want = {"learning",
                                         "working_history",
                                         "education_history",
                                         "project",
                                         "feedback",
                                         "goal",
                                         "ticket",
                                         "certificate",
                                         "skill_notes",
                                         "skill_profile_feedback",
                                         "resume_document"};
  EXPECT_EQ(all_event_types(), want);
}

}  // namespace
}  // namespace skillsync::schema
