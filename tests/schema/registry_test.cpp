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
  e.one_of = {{"a"}, {"c"}};
  expect_bad(e, "unknown content field");

  e = valid_def();
  e.one_of = {{}};
  expect_bad(e, "group is empty");
}

}  // namespace
}  // namespace skillsync::schema
