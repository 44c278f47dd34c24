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

}  // namespace
}  // namespace skillsync::schema
