// HeaderBinding::bind: a CSV header -> the entity's columns.
#include <gtest/gtest.h>

#include <vector>

#include "schema/schema.hpp"

namespace skillsync::schema {
namespace {

const EntityDef& learning() { return *find_entity("learning"); }

Result<HeaderBinding> bind(std::vector<std::string_view> header, bool ignore_unknown = false) {
  return HeaderBinding::bind(learning(), header, ignore_unknown);
}

Error bind_error(std::vector<std::string_view> header, bool ignore_unknown = false) {
  auto r = bind(std::move(header), ignore_unknown);
  EXPECT_FALSE(r.ok());
  return r.ok() ? Error{} : r.error();
}

TEST(HeaderBindingTest, TutorialHeaderBinds) {
  auto b =
      bind({"employee_external_id", "language", "external_id", "timestamp", "course_id", "source"});
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->column_count(), 6u);
  EXPECT_EQ(&b->entity(), &learning());
  EXPECT_EQ(b->column_names()[4], "course_id");
}

TEST(HeaderBindingTest, AnyOrderTitleAndDescriptionAndEventTypeColumn) {
  auto b = bind({"learning_description", "timestamp", "event_type", "learning_title", "external_id",
                 "language", "employee_external_id"});
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->column_count(), 7u);
}

TEST(HeaderBindingTest, NamesAreTrimmedOfSurroundingSpaces) {
  auto b =
      bind({" employee_external_id", "language ", "  external_id  ", "timestamp", "course_id"});
  ASSERT_TRUE(b.ok()) << b.error().message;
  const std::vector<std::string> want = {"employee_external_id", "language", "external_id",
                                         "timestamp", "course_id"};
  EXPECT_EQ(b->column_names(), want);
  // Only spaces: a tab is part of the name, and case matters.
  EXPECT_EQ(
      bind_error({"employee_external_id", "language", "external_id", "timestamp\t", "course_id"})
          .code,
      "missing_columns");
  EXPECT_EQ(
      bind_error({"Employee_External_Id", "language", "external_id", "timestamp", "course_id"})
          .code,
      "missing_columns");
}

TEST(HeaderBindingTest, MissingColumnsNamesRequiredAndAlternatives) {
  Error e = bind_error({"employee_external_id", "language", "external_id"});
  EXPECT_EQ(e.code, "missing_columns");
  EXPECT_EQ(e.message,
            "missing required columns: timestamp; and one of: course_id | "
            "learning_title+learning_description");

  e = bind_error(
      {"employee_external_id", "language", "external_id", "timestamp", "learning_title"});
  EXPECT_EQ(e.code, "missing_columns");
  EXPECT_EQ(e.message,
            "missing required columns: one of: course_id | learning_title+learning_description");

  e = bind_error({"course_id", "external_id"});
  EXPECT_EQ(e.code, "missing_columns");
  EXPECT_EQ(e.message, "missing required columns: employee_external_id, language, timestamp");

  e = bind_error({});
  EXPECT_EQ(e.code, "missing_columns");
  EXPECT_EQ(e.message,
            "missing required columns: employee_external_id, language, external_id, timestamp; "
            "and one of: course_id | learning_title+learning_description");
}

TEST(HeaderBindingTest, DuplicateColumnsAreNamedOnce) {
  Error e = bind_error({"employee_external_id", "language", "external_id", "timestamp", "course_id",
                        "course_id", " language", "course_id"});
  EXPECT_EQ(e.code, "duplicate_columns");
  EXPECT_EQ(e.message, "duplicate columns: 'course_id', 'language'");
}

TEST(HeaderBindingTest, UnknownColumnsUnlessIgnored) {
  std::vector<std::string_view> header = {
      "employee_external_id", "language", "external_id", "timestamp", "course_id", "colour", "",
      "learning_titel"};
  Error e = bind_error(header);
  EXPECT_EQ(e.code, "unknown_columns");
  EXPECT_EQ(e.message, "unknown columns for event_type 'learning': 'colour', '', 'learning_titel'");

  auto b = bind(header, /*ignore_unknown=*/true);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->column_count(), 8u);
}

TEST(HeaderBindingTest, EveryProblemIsInTheMessage) {
  // A typo makes a column both unknown and missing: say both at once.
  Error e = bind_error(
      {"employee_external_id", "language", "external_id", "timestmp", "course_id", "language"});
  EXPECT_EQ(e.code, "duplicate_columns");
  EXPECT_EQ(e.message,
            "duplicate columns: 'language'. missing required columns: timestamp. "
            "unknown columns for event_type 'learning': 'timestmp'");

  e = bind_error({"employee_external_id", "language", "external_id", "timestmp", "course_id"});
  EXPECT_EQ(e.code, "missing_columns");
  EXPECT_NE(e.message.find("'timestmp'"), std::string::npos);
}

TEST(HeaderBindingTest, LongUnknownNamesAreCutInTheMessage) {
  const std::string long_name(1000, 'z');
  Error e = bind_error(
      {"employee_external_id", "language", "external_id", "timestamp", "course_id", long_name});
  EXPECT_EQ(e.code, "unknown_columns");
  EXPECT_LT(e.message.size(), 200u);
}

// The CSV error report appends error_line..error_message (after error_file
// for a prefix load); a fixed report loads again as it is, without
// ignore_unknown_columns.
TEST(HeaderBindingTest, ErrorReportColumnsAtTheEndAreIgnored) {
  auto b = bind({"employee_external_id", "language", "external_id", "timestamp", "course_id",
                 "error_line", "error_column", "error_code", "error_message"});
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->column_count(), 9u);
  EXPECT_EQ(b->error_report_columns(), 4u);

  b = bind({"employee_external_id", "language", "external_id", "timestamp", "course_id",
            " error_file", "error_line", "error_column ", "error_code", "error_message"});
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->column_count(), 10u);
  EXPECT_EQ(b->error_report_columns(), 5u);

  // Their values are neither checked nor loaded.
  RowMapper mapper(*b);
  Event event;
  FieldError error;
  std::vector<std::string_view> row = {
      "e-1",      "en",           "x-1", "2021-01-01",        "c-1",
      "s3://b/k", "not a number", "",    "invalid_timestamp", "bad \"ts\""};
  ASSERT_TRUE(mapper.map(row, event, error)) << error.code << ": " << error.message;
  EXPECT_EQ(event.content_json, R"({"course_id":"c-1"})");
  EXPECT_FALSE(event.source.has_value());
  row.pop_back();
  EXPECT_FALSE(mapper.map(row, event, error));
  EXPECT_EQ(error.code, "wrong_field_count");
}

TEST(HeaderBindingTest, OnlyTheWholeErrorBlockAtTheEndIsIgnored) {
  // A typo in the block makes every name of it an ordinary unknown column.
  Error e = bind_error({"employee_external_id", "language", "external_id", "timestamp", "course_id",
                        "error_line", "error_colum", "error_code", "error_message"});
  EXPECT_EQ(e.code, "unknown_columns");
  EXPECT_EQ(e.message,
            "unknown columns for event_type 'learning': 'error_line', 'error_colum', "
            "'error_code', 'error_message'");
  // Not at the end.
  e = bind_error({"employee_external_id", "language", "external_id", "timestamp", "error_line",
                  "error_column", "error_code", "error_message", "course_id"});
  EXPECT_EQ(e.code, "unknown_columns");
  // Part of the block, another order, error_file alone or out of place.
  e = bind_error({"employee_external_id", "language", "external_id", "timestamp", "course_id",
                  "error_column", "error_code", "error_message"});
  EXPECT_EQ(e.code, "unknown_columns");
  e = bind_error({"employee_external_id", "language", "external_id", "timestamp", "course_id",
                  "error_column", "error_line", "error_code", "error_message"});
  EXPECT_EQ(e.code, "unknown_columns");
  e = bind_error(
      {"employee_external_id", "language", "external_id", "timestamp", "course_id", "error_file"});
  EXPECT_EQ(e.message, "unknown columns for event_type 'learning': 'error_file'");
  e = bind_error({"employee_external_id", "error_file", "language", "external_id", "timestamp",
                  "course_id", "error_line", "error_column", "error_code", "error_message"});
  EXPECT_EQ(e.message, "unknown columns for event_type 'learning': 'error_file'");
  // Case matters, as for every column name.
  e = bind_error({"employee_external_id", "language", "external_id", "timestamp", "course_id",
                  "Error_Line", "error_column", "error_code", "error_message"});
  EXPECT_EQ(e.code, "unknown_columns");
  // A required column missing is still missing.
  e = bind_error({"employee_external_id", "language", "external_id", "course_id", "error_line",
                  "error_column", "error_code", "error_message"});
  EXPECT_EQ(e.code, "missing_columns");
}

TEST(HeaderBindingTest, ErrorReportColumnCount) {
  const std::vector<std::string> four = {"a", "error_line", "error_column", "error_code",
                                         "error_message"};
  EXPECT_EQ(error_report_column_count(std::span<const std::string>(four)), 4u);
  const std::vector<std::string> five = {"error_file", "error_line", "error_column", "error_code",
                                         "error_message"};
  EXPECT_EQ(error_report_column_count(std::span<const std::string>(five)), 5u);
  EXPECT_EQ(error_report_column_count(std::span<const std::string>(five).subspan(2)), 0u);
  const std::vector<std::string_view> none = {};
  EXPECT_EQ(error_report_column_count(none), 0u);
}

}  // namespace
}  // namespace skillsync::schema
