// event_from_json: the Skill Event API body -> Event, with every error named.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/time.hpp"
#include "schema/schema.hpp"

namespace skillsync::schema {
namespace {

namespace json = boost::json;

json::object body(std::string_view text) { return json::parse(text).as_object(); }

const char* kGood = R"({"external_id": "learning-1", "event_type": "learning",
  "timestamp": "2021-01-01T00:00:00Z", "content": {"course_id": "course-1"},
  "source": "source-1"})";

// Runs event_from_json expecting failure; returns the FieldErrors.
std::vector<FieldError> errors_of(const json::object& b, std::string_view employee = "employee-1",
                                  std::string_view language = "en") {
  std::vector<FieldError> errors;
  auto r = event_from_json(employee, language, b, &errors);
  EXPECT_FALSE(r.ok());
  if (!r.ok()) {
    EXPECT_EQ(r.error().code, "invalid_fields");
  }
  return errors;
}

// The single error a body must produce.
FieldError only_error(const json::object& b, std::string_view employee = "employee-1",
                      std::string_view language = "en") {
  auto errors = errors_of(b, employee, language);
  EXPECT_EQ(errors.size(), 1u);
  if (errors.size() != 1) {
    for (const auto& e : errors) ADD_FAILURE() << e.field << " " << e.code << " " << e.message;
  }
  return errors.empty() ? FieldError{} : errors[0];
}

// kGood with one member replaced (or removed when `value` is empty).
json::object good_with(std::string_view key, std::string_view value_json) {
  json::object b = body(kGood);
  if (value_json.empty()) {
    b.erase(key);
  } else {
    b[key] = json::parse(value_json);
  }
  return b;
}

TEST(EventFromJsonTest, ValidBodyBecomesAnEvent) {
  std::vector<FieldError> errors;
  auto r = event_from_json("employee-1", "en", body(kGood), &errors);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(r->employee_external_id, "employee-1");
  EXPECT_EQ(r->external_id, "learning-1");
  EXPECT_EQ(r->event_type, "learning");
  EXPECT_EQ(r->language, "en");
  EXPECT_EQ(r->timestamp, 1609459200LL * 1000000);
  EXPECT_EQ(r->content_json, R"({"course_id":"course-1"})");
  EXPECT_EQ(r->source, "source-1");
}

TEST(EventFromJsonTest, TitleAndDescriptionInDefinitionOrder) {
  auto r = event_from_json("e", "auto", body(R"({"external_id": "x", "event_type": "learning",
      "timestamp": "2021-06-01T12:00:00+02:00",
      "content": {"learning_description": "D", "learning_title": "T"}})"),
                           nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->content_json, R"({"learning_title":"T","learning_description":"D"})");
  EXPECT_EQ(format_rfc3339(r->timestamp), "2021-06-01T10:00:00Z");
  EXPECT_FALSE(r->source.has_value());
}

TEST(EventFromJsonTest, ContentJsonEscapesAndRoundTrips) {
  const std::string title =
      "a \"quoted\" \\ back\nslash\ttab\r\b\f\x01\x1f caf\xC3\xA9 \xF0\x9F\x98\x80";
  json::object b = body(kGood);
  b["content"] = json::object{{"learning_title", title}, {"learning_description", "</script>"}};
  auto r = event_from_json("e", "en", b, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->content_json.find('\n'), std::string::npos);
  EXPECT_NE(r->content_json.find("\\u0001"), std::string::npos);
  const json::object back = json::parse(r->content_json).as_object();
  EXPECT_EQ(back.size(), 2u);
  EXPECT_EQ(back.at("learning_title").as_string(), title);
  EXPECT_EQ(back.at("learning_description").as_string(), "</script>");
}

TEST(EventFromJsonTest, BothAlternativesPresentAreKept) {
  json::object b = body(kGood);
  b["content"] =
      json::object{{"course_id", "c"}, {"learning_title", "t"}, {"learning_description", "d"}};
  auto r = event_from_json("e", "en", b, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->content_json,
            R"({"course_id":"c","learning_title":"t","learning_description":"d"})");
}

TEST(EventFromJsonTest, NullAndEmptyMeanAbsent) {
  auto r = event_from_json("e", "en", good_with("source", "null"), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->source.has_value());
  r = event_from_json("e", "en", good_with("source", R"("")"), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->source.has_value());
  r = event_from_json("e", "en", good_with("source", ""), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->source.has_value());

  // An empty or null content member is left out of content_json.
  json::object b = body(kGood);
  b["content"] =
      json::object{{"course_id", "c"}, {"learning_title", ""}, {"learning_description", nullptr}};
  r = event_from_json("e", "en", b, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->content_json, R"({"course_id":"c"})");

  FieldError e = only_error(good_with("external_id", "null"));
  EXPECT_EQ(e.field, "external_id");
  EXPECT_EQ(e.code, "required");
}

TEST(EventFromJsonTest, RequiredFields) {
  for (std::string_view key : {"external_id", "event_type", "timestamp", "content"}) {
    FieldError e = only_error(good_with(key, ""));
    EXPECT_EQ(e.field, key);
    EXPECT_EQ(e.code, "required");
    EXPECT_EQ(e.message, std::string(key) + " is required");
  }
  FieldError e = only_error(good_with("external_id", R"("")"));
  EXPECT_EQ(e.code, "required");
  e = only_error(body(kGood), "");
  EXPECT_EQ(e.field, "employee_external_id");
  EXPECT_EQ(e.code, "required");
  e = only_error(body(kGood), "employee-1", "");
  EXPECT_EQ(e.field, "language");
  EXPECT_EQ(e.code, "required");
}

TEST(EventFromJsonTest, InvalidExternalIds) {
  FieldError e = only_error(good_with("external_id", R"("learning 1")"));
  EXPECT_EQ(e.field, "external_id");
  EXPECT_EQ(e.code, "invalid_external_id");
  EXPECT_EQ(e.message,
            "external_id must be 1-100 characters of A-Z a-z 0-9 _ - (got 'learning 1')");
  e = only_error(good_with("external_id", "\"" + std::string(101, 'a') + "\""));
  EXPECT_EQ(e.code, "invalid_external_id");
  e = only_error(body(kGood), "employee/1");
  EXPECT_EQ(e.field, "employee_external_id");
  EXPECT_EQ(e.code, "invalid_external_id");
}

TEST(EventFromJsonTest, InvalidLanguage) {
  FieldError e = only_error(body(kGood), "employee-1", "EN");
  EXPECT_EQ(e.field, "language");
  EXPECT_EQ(e.code, "invalid_language");
  EXPECT_EQ(e.message, "language must be one of auto, nl, fr, en, de (got 'EN')");
}

TEST(EventFromJsonTest, InvalidTimestamp) {
  FieldError e = only_error(good_with("timestamp", R"("2021-13-01")"));
  EXPECT_EQ(e.field, "timestamp");
  EXPECT_EQ(e.code, "invalid_timestamp");
  EXPECT_EQ(e.message, "'2021-13-01' is not a valid ISO 8601 timestamp: month 13");
  e = only_error(good_with("timestamp", R"("2021-01-01T10:00:00")"));
  EXPECT_EQ(e.code, "invalid_timestamp");
  EXPECT_NE(e.message.find("zone"), std::string::npos);
}

TEST(EventFromJsonTest, TooLongAtEachLimit) {
  struct Case {
    const char* field;
    size_t limit;
  } cases[] = {{"course_id", 256}, {"learning_title", 1000}, {"learning_description", 65536}};
  for (const Case& c : cases) {
    json::object b = body(kGood);
    b["content"] =
        json::object{{"course_id", "c"}, {"learning_title", "t"}, {"learning_description", "d"}};
    b["content"].as_object()[c.field] = std::string(c.limit, 'x');
    EXPECT_TRUE(event_from_json("e", "en", b, nullptr).ok()) << c.field;
    b["content"].as_object()[c.field] = std::string(c.limit + 1, 'x');
    FieldError e = only_error(b);
    EXPECT_EQ(e.field, std::string("content.") + c.field);
    EXPECT_EQ(e.code, "too_long");
    EXPECT_EQ(e.message, std::string("content.") + c.field + " is " + std::to_string(c.limit + 1) +
                             " bytes long; the limit is " + std::to_string(c.limit) + " bytes");
  }
  EXPECT_TRUE(
      event_from_json("e", "en", good_with("source", "\"" + std::string(256, 's') + "\""), nullptr)
          .ok());
  FieldError e = only_error(good_with("source", "\"" + std::string(257, 's') + "\""));
  EXPECT_EQ(e.field, "source");
  EXPECT_EQ(e.code, "too_long");
}

TEST(EventFromJsonTest, InvalidUtf8InBuiltBody) {
  // The JSON parser rejects bad UTF-8, but a body built in code can hold it.
  json::object b = body(kGood);
  b["content"] = json::object{{"course_id", "abc\xC3"}};
  FieldError e = only_error(b);
  EXPECT_EQ(e.field, "content.course_id");
  EXPECT_EQ(e.code, "invalid_utf8");
  b = body(kGood);
  b["source"] = "\xFF";
  e = only_error(b);
  EXPECT_EQ(e.field, "source");
  EXPECT_EQ(e.code, "invalid_utf8");
}

TEST(EventFromJsonTest, NulCharacterInTextIsRejected) {
  // "\u0000" is valid JSON and valid UTF-8, but PostgreSQL cannot store it.
  json::object b = body(kGood);
  b["content"] = json::parse(R"({"course_id": "c\u0000d"})").as_object();
  FieldError e = only_error(b);
  EXPECT_EQ(e.field, "content.course_id");
  EXPECT_EQ(e.code, "nul_character");
  EXPECT_NE(e.message.find("content.course_id contains a NUL character"), std::string::npos)
      << e.message;
  b = body(kGood);
  b["source"] = std::string_view("\0", 1);
  e = only_error(b);
  EXPECT_EQ(e.field, "source");
  EXPECT_EQ(e.code, "nul_character");
}

TEST(EventFromJsonTest, WrongJsonTypes) {
  struct Case {
    const char* key;
    const char* value;
    const char* message;
  } cases[] = {
      {"external_id", "5", "external_id must be a string"},
      {"event_type", "[]", "event_type must be a string"},
      {"timestamp", "1609459200", "timestamp must be a string"},
      {"content", R"("course-1")", "content must be an object"},
      {"source", "true", "source must be a string"},
  };
  for (const Case& c : cases) {
    FieldError e = only_error(good_with(c.key, c.value));
    EXPECT_EQ(e.field, c.key);
    EXPECT_EQ(e.code, "invalid_type");
    EXPECT_EQ(e.message, c.message);
  }
  json::object b = body(kGood);
  b["content"] = json::object{{"course_id", 12}};
  FieldError e = only_error(b);
  EXPECT_EQ(e.field, "content.course_id");
  EXPECT_EQ(e.code, "invalid_type");
}

TEST(EventFromJsonTest, UnknownFieldsAreErrorsNeverDropped) {
  json::object b = body(kGood);
  b["sorce"] = "typo";
  FieldError e = only_error(b);
  EXPECT_EQ(e.field, "sorce");
  EXPECT_EQ(e.code, "unknown_field");
  EXPECT_EQ(e.message, "unknown field 'sorce'");

  b = body(kGood);
  b["content"].as_object()["cours_id"] = "typo";
  e = only_error(b);
  EXPECT_EQ(e.field, "content.cours_id");
  EXPECT_EQ(e.code, "unknown_field");
  EXPECT_EQ(e.message, "unknown field 'content.cours_id' for event_type 'learning'");

  b = body(kGood);
  b[std::string(500, 'k')] = 1;
  e = only_error(b);
  EXPECT_EQ(e.code, "unknown_field");
  EXPECT_LT(e.message.size(), 150u);
}

TEST(EventFromJsonTest, UnknownEventType) {
  FieldError e = only_error(good_with("event_type", R"("lerning")"));
  EXPECT_EQ(e.field, "event_type");
  EXPECT_EQ(e.code, "unknown_event_type");
  EXPECT_EQ(e.message, "event_type 'lerning' is not a known event type");
}

TEST(EventFromJsonTest, MissingContentNamesTheAlternatives) {
  for (const char* content : {R"({})", R"({"learning_title": "only a title"})",
                              R"({"course_id": "", "learning_description": "d"})"}) {
    FieldError e = only_error(good_with("content", content));
    EXPECT_EQ(e.field, "content");
    EXPECT_EQ(e.code, "missing_content");
    EXPECT_EQ(e.message, "content needs one of: course_id | learning_title+learning_description");
  }
}

TEST(EventFromJsonTest, ReportsEveryProblemOfABody) {
  json::object b = body(R"({"external_id": "bad id", "event_type": "learning",
      "timestamp": "2021-02-29T00:00:00Z", "content": {"course_id": 7, "extra": 1},
      "source": 3, "colour": "red"})");
  auto errors = errors_of(b, "", "xx");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& e : errors) got.emplace_back(e.field, e.code);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"employee_external_id", "required"},  {"language", "invalid_language"},
      {"colour", "unknown_field"},           {"external_id", "invalid_external_id"},
      {"timestamp", "invalid_timestamp"},    {"content.extra", "unknown_field"},
      {"content.course_id", "invalid_type"}, {"source", "invalid_type"},
  };
  EXPECT_EQ(got, want);
}

TEST(EventFromJsonTest, AppendsToExistingErrorsAndSummarizes) {
  std::vector<FieldError> errors = {{"earlier", "x", "kept"}};
  auto r = event_from_json("e", "en", good_with("event_type", ""), &errors);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "1 invalid field: event_type is required");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "earlier");
  EXPECT_EQ(errors[1].field, "event_type");

  r = event_from_json("", "", body(kGood), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_fields");
  EXPECT_EQ(r.error().message, "2 invalid fields, first: employee_external_id is required");
}

}  // namespace
}  // namespace skillsync::schema
