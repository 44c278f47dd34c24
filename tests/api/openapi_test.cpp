// The OpenAPI document (GET /openapi.json) against the route table the
// router uses and the entity registry: every route is documented, every
// documented operation is routed, every $ref resolves, entity schemas carry
// every field of the registry.
#include "api/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "api/api.hpp"
#include "api/routes.hpp"
#include "api_test_fixture.hpp"
#include "common/crypto.hpp"
#include "schema/schema.hpp"

namespace skillsync::api {
namespace {
namespace json = boost::json;

const json::object& doc() {
  static const json::value kDoc = json::parse(openapi_document());
  return kDoc.as_object();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "/a/{x}/b" with every {parameter} replaced by `value`.
std::string fill(std::string_view path, std::string_view value) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      out += value;
      i = path.find('}', i);
    } else {
      out += path[i];
    }
  }
  return out;
}

constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

TEST(OpenApiDocument, IsOpenApi31WithBearerSecurity) {
  EXPECT_EQ(doc().at("openapi"), "3.1.0");
  EXPECT_EQ(doc().at("components").at("securitySchemes").at("bearerAuth").at("scheme"), "bearer");
  EXPECT_EQ(openapi_document(), openapi_document()) << "deterministic";
}

TEST(OpenApiDocument, DocumentsExactlyTheRoutesOfTheRouter) {
  std::set<std::pair<std::string, std::string>> routed, documented;
  for (const Route& r : routes()) routed.emplace(std::string(r.path), lower(r.method));
  for (const auto& path : doc().at("paths").as_object()) {
    for (const auto& op : path.value().as_object()) {
      documented.emplace(std::string(path.key()), std::string(op.key()));
    }
  }
  EXPECT_EQ(routed, documented);
}

TEST(OpenApiDocument, EveryOperationHasItsStatuses) {
  for (const Route& r : routes()) {
    const auto& op = doc().at("paths").at(r.path).at(lower(r.method)).as_object();
    const auto& responses = op.at("responses").as_object();
    for (const RouteResponse& rr : r.responses) {
      EXPECT_TRUE(responses.contains(std::to_string(rr.status))) << r.path << " " << rr.status;
    }
    for (const char* shared : {"400", "413", "414", "431", "500"}) {
      EXPECT_TRUE(responses.contains(shared)) << r.path << " " << shared;
    }
    const bool needs_key = r.access != Access::kPublic;
    EXPECT_EQ(responses.contains("401"), needs_key) << r.path;
    EXPECT_EQ(responses.contains("429"), needs_key) << r.path;
    EXPECT_EQ(op.contains("security"), !needs_key) << r.path << ": public routes opt out";
  }
}

// Every "$ref" in `v` names an existing component.
void expect_refs_resolve(const json::value& v) {
  if (v.is_array()) {
    for (const auto& e : v.as_array()) expect_refs_resolve(e);
    return;
  }
  if (!v.is_object()) return;
  for (const auto& kv : v.as_object()) {
    if (kv.key() == "$ref") {
      std::string_view ref = kv.value().as_string();
      ASSERT_TRUE(ref.starts_with("#/components/")) << ref;
      ref.remove_prefix(std::string_view("#/components/").size());
      const size_t slash = ref.find('/');
      const auto& section = doc().at("components").at(ref.substr(0, slash)).as_object();
      EXPECT_TRUE(section.contains(ref.substr(slash + 1))) << kv.value();
    } else {
      expect_refs_resolve(kv.value());
    }
  }
}

TEST(OpenApiDocument, EveryRefResolves) { expect_refs_resolve(doc()); }

std::string schema_name(std::string_view event_type, std::string_view suffix) {
  std::string out;
  bool upper = true;
  for (char c : event_type) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(c)) : c;
      upper = false;
    }
  }
  return out + std::string(suffix);
}

TEST(OpenApiDocument, EntitySchemasComeFromTheRegistry) {
  const auto& schemas = doc().at("components").at("schemas").as_object();
  for (const schema::EntityDef& e : schema::all_entities()) {
    const auto& content = schemas.at(schema_name(e.event_type, "Content")).as_object();
    const auto& props = content.at("properties").as_object();
    EXPECT_EQ(props.size(), e.content_fields.size()) << e.event_type;
    EXPECT_EQ(content.at("additionalProperties"), false);
    std::set<std::string> required;
    if (const auto* r = content.if_contains("required")) {
      for (const auto& n : r->as_array()) required.emplace(n.as_string());
    }
    for (const schema::FieldDef& f : e.content_fields) {
      ASSERT_TRUE(props.contains(f.name)) << e.event_type << "." << f.name;
      const auto& p = props.at(f.name).as_object();
      EXPECT_EQ(required.count(f.name), f.required ? 1u : 0u) << f.name;
      if (f.type == schema::FieldType::kEnum) {
        json::array want;
        for (const auto& v : f.allowed_values) want.emplace_back(v);
        EXPECT_EQ(p.at("enum"), want) << f.name;
      }
      if (f.max_length > 0) {
        EXPECT_EQ(p.at("maxLength"), f.max_length) << f.name;
      }
      if (f.type == schema::FieldType::kDate) {
        EXPECT_EQ(p.at("format"), "date") << f.name;
      }
    }
    EXPECT_EQ(content.contains("anyOf"), !e.one_of.empty()) << e.event_type;
    const auto& event = schemas.at(schema_name(e.event_type, "Event")).as_object();
    EXPECT_EQ(event.at("properties").at("event_type").at("const"), json::value(e.event_type));
  }
  const auto& task_types =
      schemas.at("FileLoadTaskInput").at("properties").at("entity_type").at("enum").as_array();
  EXPECT_EQ(task_types.size(), schema::all_entities().size());
}

class OpenApiRouterTest : public ApiTest {
 protected:
  HttpResponse call(std::string_view method, std::string target, bool with_key = true) {
    HttpRequest r;
    r.method = std::string(method);
    r.target = std::move(target);
    if (with_key) r.authorization = "Bearer " + key_;
    return api_->handle(r);
  }
};

// The router answers every documented method of every documented path, and
// 405 to the others: it has no route the document lacks.
TEST_F(OpenApiRouterTest, RouterAnswersExactlyTheDocumentedMethods) {
  for (const auto& path : doc().at("paths").as_object()) {
    const std::string target = fill(path.key(), "x1");
    for (std::string_view m : kMethods) {
      const bool documented = path.value().as_object().contains(lower(m));
      const HttpResponse resp = call(m, target);
      if (documented) {
        EXPECT_NE(resp.status, 405) << m << " " << target;
        EXPECT_EQ(resp.body.find("no such endpoint"), std::string::npos) << m << " " << target;
      } else {
        EXPECT_EQ(resp.status, 405) << m << " " << target;
      }
    }
  }
  EXPECT_EQ(call("GET", "/employees/x1").status, 404);
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/x1/other").status, 404);
}

TEST_F(OpenApiRouterTest, ServesTheDocumentWithoutKey) {
  const HttpResponse resp = call("GET", "/openapi.json", false);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.content_type, "application/json");
  EXPECT_EQ(resp.body, openapi_document());
  EXPECT_EQ(call("POST", "/openapi.json", false).status, 405) << "no key needed for a 405 either";
  EXPECT_EQ(call("GET", "/employees/e1/skill_events", false).status, 401);
}

}  // namespace
}  // namespace skillsync::api
