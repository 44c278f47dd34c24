// The entity registry and check_entity_def.
#include <gtest/gtest.h>

#include "schema/schema.hpp"

namespace skillsync::schema {
namespace {

TEST(RegistryTest, LearningIsRegisteredWithItsContentAndAlternatives) {
  const EntityDef* e = find_entity("learning");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event_type, "learning");
  ASSERT_EQ(e->content_fields.size(), 3u);
  EXPECT_EQ(e->content_fields[0].name, "course_id");
  EXPECT_EQ(e->content_fields[0].max_length, 256u);
  EXPECT_EQ(e->content_fields[1].name, "learning_title");
  EXPECT_EQ(e->content_fields[1].max_length, 1000u);
  EXPECT_EQ(e->content_fields[2].name, "learning_description");
  EXPECT_EQ(e->content_fields[2].max_length, 65536u);
  for (const FieldDef& f : e->content_fields) EXPECT_EQ(f.type, FieldType::kText);
  const std::vector<std::vector<std::string>> one_of = {{"course_id"},
                                                        {"learning_title", "learning_description"}};
  EXPECT_EQ(e->one_of, one_of);
}

TEST(RegistryTest, UnknownTypesAreNotFound) {
  EXPECT_EQ(find_entity(""), nullptr);
  EXPECT_EQ(find_entity("Learning"), nullptr);
  EXPECT_EQ(find_entity("learning "), nullptr);
  EXPECT_EQ(find_entity("skill"), nullptr);
}

TEST(RegistryTest, AllEntitiesListsEachOnceAndFindsThemBack) {
  auto all = all_entities();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].event_type, "learning");
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(find_entity(all[i].event_type), &all[i]);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(all[i].event_type, all[j].event_type);
  }
  // The registry is built once: the same storage on every call.
  EXPECT_EQ(all_entities().data(), all.data());
}

TEST(RegistryTest, EveryRegisteredEntityIsWellFormed) {
  for (const EntityDef& e : all_entities()) {
    Status s = check_entity_def(e);
    EXPECT_TRUE(s.ok()) << e.event_type << ": " << (s.ok() ? "" : s.error().message);
  }
}

// The CSV error report appends error_file, error_line, error_column,
// error_code and error_message to a file's columns, and HeaderBinding drops
// a trailing block of them: no entity may own a column of that shape.
TEST(RegistryTest, NoContentFieldStartsWithTheErrorReportPrefix) {
  ASSERT_EQ(kErrorColumnPrefix, "error_");
  size_t fields = 0;
  for (const EntityDef& e : all_entities()) {
    for (const FieldDef& f : e.content_fields) {
      ++fields;
      EXPECT_FALSE(f.name.starts_with("error_")) << e.event_type << "." << f.name;
    }
  }
  for (const FieldDef& f : top_level_fields()) EXPECT_FALSE(f.name.starts_with("error_"));
  EXPECT_GT(fields, all_entities().size()) << "the walk saw the registry";
}

EntityDef valid_def() {
  return EntityDef{.event_type = "x",
                   .content_fields = {{.name = "a"}, {.name = "b"}},
                   .one_of = {{"a"}, {"b"}}};
}

TEST(RegistryTest, CheckEntityDefRejectsBrokenDefinitions) {
  EXPECT_TRUE(check_entity_def(valid_def()).ok());

  auto expect_bad = [](const EntityDef& e, std::string_view needle) {
    Status s = check_entity_def(e);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "invalid_entity");
    EXPECT_NE(s.error().message.find(needle), std::string::npos) << s.error().message;
  };
  EntityDef e = valid_def();
  e.event_type = "";
  expect_bad(e, "event_type is empty");

  e = valid_def();
  e.content_fields.clear();
  expect_bad(e, "1-64 content fields");

  e = valid_def();
  e.content_fields[1].name = "a";
  expect_bad(e, "'a' is defined twice");

  e = valid_def();
  e.content_fields[1].name = "timestamp";
  expect_bad(e, "'timestamp' clashes with a column");

  e = valid_def();
  e.content_fields[1].name = "error_notes";
  e.one_of = {{"a"}, {"error_notes"}};
  expect_bad(e, "'error_notes' starts with 'error_'");

  e = valid_def();
  e.one_of = {{"a"}, {"c"}};
  expect_bad(e, "unknown content field");

  e = valid_def();
  e.one_of = {{}};
  expect_bad(e, "group is empty");

  e = valid_def();
  e.content_fields[0].required = true;
  expect_bad(e, "'a' is required and also in a one_of group");

  e = valid_def();
  e.content_fields[0].type = FieldType::kEnum;
  expect_bad(e, "'a': allowed_values are for kEnum fields");
  e.content_fields[0].allowed_values = {"x", "y"};
  EXPECT_TRUE(check_entity_def(e).ok());
  e.content_fields[0].allowed_values = {"x", ""};
  expect_bad(e, "'a' allows an empty value");
  e.content_fields[0].allowed_values = {"x", "y", "x"};
  expect_bad(e, "'a' allows 'x' twice");
  e.content_fields[0].allowed_values = {"x"};
  e.content_fields[1].allowed_values = {"x"};  // b is kText
  expect_bad(e, "'b': allowed_values are for kEnum fields");

  e = valid_def();
  e.content_fields[0].max_length = 3;
  e.content_fields[0].example = "long";
  expect_bad(e, "'a': the example a is 4 bytes long; the limit is 3 bytes");
}

TEST(RegistryTest, CheckEntityDefRejectsBrokenDateRanges) {
  EntityDef e{.event_type = "x",
              .content_fields = {{.name = "from", .type = FieldType::kDate},
                                 {.name = "to", .type = FieldType::kDate},
                                 {.name = "note", .type = FieldType::kText}},
              .date_ranges = {{"from", "to"}}};
  EXPECT_TRUE(check_entity_def(e).ok());
  for (const DateRange& bad : std::vector<DateRange>{
           {"from", "from"}, {"from", "note"}, {"note", "to"}, {"from", "until"}, {"", "to"}}) {
    e.date_ranges = {bad};
    Status s = check_entity_def(e);
    ASSERT_FALSE(s.ok()) << bad.earlier << " " << bad.later;
    EXPECT_NE(s.error().message.find("needs two different kDate content fields"),
              std::string::npos);
  }
}

TEST(RegistryTest, TheContentFieldsTheIssueNamesAreExact) {
  auto names = [](std::string_view type) {
    std::vector<std::string> out;
    for (const FieldDef& f : find_entity(type)->content_fields) {
      out.push_back(f.name + (f.required ? "!" : "") + ":" +
                    std::string(f.type == FieldType::kDate ? "date" : "text"));
    }
    return out;
  };
  EXPECT_EQ(names("learning"), (std::vector<std::string>{"course_id:text", "learning_title:text",
                                                         "learning_description:text"}));
  EXPECT_EQ(names("working_history"),
            (std::vector<std::string>{"job_title!:text", "job_description!:text",
                                      "start_date!:date", "end_date:date", "company:text"}));
  const EntityDef& wh = *find_entity("working_history");
  EXPECT_TRUE(wh.one_of.empty());
  EXPECT_EQ(wh.date_ranges, (std::vector<DateRange>{{"start_date", "end_date"}}));
  const EntityDef& edu = *find_entity("education_history");
  EXPECT_EQ(edu.content_fields[0].name, "degree_name");
  EXPECT_TRUE(edu.content_fields[0].required);
  for (size_t i = 1; i < edu.content_fields.size(); ++i) {
    EXPECT_FALSE(edu.content_fields[i].required) << edu.content_fields[i].name;
  }
}

}  // namespace
}  // namespace skillsync::schema
