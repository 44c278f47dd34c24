#include "integration/it_env.hpp"

#include <algorithm>
#include <array>
#include <exception>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::it {
namespace json = boost::json;

Result<std::unique_ptr<Stack>> Stack::start(StackOptions options) {
  auto stack = std::make_unique<Stack>();
  testsupport::S3rverOptions s3_options;
  s3_options.buckets = {stack->bucket_};
  s3_options.session_token = options.session_token;
  try {
    stack->s3_ = std::make_unique<testsupport::S3rverProcess>(s3_options);
  } catch (const std::exception& e) {
    return Error{"start_failed", e.what()};
  }
  SkillsyncOptions app_options;
  try {
    if (options.fault_proxy)
      stack->proxy_ = std::make_unique<testsupport::FaultProxy>(stack->s3_->port());
    stack->data_ = std::make_unique<testsupport::TempDir>("skillsync-it-data-");
  } catch (const std::exception& e) {
    return Error{"start_failed", e.what()};
  }
  app_options.s3_endpoint =
      options.fault_proxy ? stack->proxy_->endpoint() : stack->s3_->endpoint();
  app_options.bootstrap_api_key = "sk_it_" + random_token(32);
  app_options.workers = options.workers;
  app_options.env = options.env;
  app_options.data_dir = stack->data_->path();
  auto app = SkillsyncProcess::start(app_options);
  if (!app.ok()) return app.error();
  stack->app_ = std::move(*app);
  stack->app_options_ = std::move(app_options);
  return stack;
}

Result<int> Stack::restart_app(StopHow how) {
  int code = 0;
  if (how == StopHow::kKill9) {
    app_->kill9();
    code = -9;
  } else {
    code = app_->stop();
  }
  // On failure the stopped process stays in place, so app() stays valid.
  auto app = SkillsyncProcess::start(app_options_);
  if (!app.ok()) return app.error();
  app_ = std::move(*app);
  return code;
}

json::object Stack::task_body(const std::string& uri, json::object options) const {
  json::object credentials{{"aws_access_key_id", s3_->access_key_id()},
                           {"aws_secret_access_key", s3_->secret_access_key()}};
  if (!s3_->session_token().empty()) credentials["aws_session_token"] = s3_->session_token();
  json::object body{{"entity_type", "learning"},
                    {"method", "s3_iam_user"},
                    {"uri", uri},
                    {"credentials", std::move(credentials)}};
  if (!options.empty()) body["options"] = std::move(options);
  return body;
}

ApiResponse Stack::post_task_body(const json::object& body, const std::string& idempotency_key) {
  std::map<std::string, std::string> headers;
  if (!idempotency_key.empty()) headers["Idempotency-Key"] = idempotency_key;
  return app_->post_with_headers("/integrations/file-load-tasks", json::serialize(body), headers);
}

LearningFile make_learning_file(const std::string& employee, size_t rows, size_t pad,
                                const std::string& id_prefix) {
  static const Micros kBase = days_from_civil(2020, 1, 1) * 86400LL * 1000000LL;
  static constexpr std::array<const char*, 5> kLanguages = {"en", "nl", "fr", "de", "auto"};
  LearningFile f;
  f.employee = employee;
  f.rows = rows;
  f.csv = "employee_external_id,language,external_id,timestamp,course_id,source\n";
  f.csv.reserve(rows * (employee.size() + id_prefix.size() + pad + 64));
  const std::string padding(pad, 'p');
  std::vector<std::string> lines;
  lines.reserve(rows);
  for (size_t i = 0; i < rows; ++i) {
    const std::string n = std::to_string(i);
    const std::string id = id_prefix + "-" + n;
    const std::string ts = format_rfc3339(kBase + static_cast<Micros>(i) * 1000000LL);
    const char* lang = kLanguages[i % kLanguages.size()];
    const std::string course = "course-" + std::to_string(i % 1009);
    const std::string source = "src-" + n + padding;
    f.csv.append(employee).append(",").append(lang).append(",").append(id).append(",");
    f.csv.append(ts).append(",").append(course).append(",").append(source).append("\n");
    lines.push_back(employee + '\x1f' + id + '\x1f' + ts + '\x1f' + lang + '\x1f' +
                    "{\"course_id\":\"" + course + "\"}" + '\x1f' + source);
  }
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const auto& l : lines) all.append(l).append("\n");
  f.checksum = crypto::sha256_hex(all);
  return f;
}

std::string events_checksum(const std::vector<json::object>& events) {
  std::vector<std::string> lines;
  lines.reserve(events.size());
  for (const auto& e : events) {
    const json::value* source = e.if_contains("source");
    const json::value* content = e.if_contains("content");
    lines.push_back(str(e, "employee_external_id") + '\x1f' + str(e, "external_id") + '\x1f' +
                    str(e, "timestamp") + '\x1f' + str(e, "language") + '\x1f' +
                    (content ? json::serialize(*content) : "") + '\x1f' +
                    (source && source->is_string() ? std::string(source->get_string()) : ""));
  }
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const auto& l : lines) all.append(l).append("\n");
  return crypto::sha256_hex(all);
}

std::string Stack::upload(const std::string& key, std::string_view body) {
  source::s3::ClientConfig config;
  config.endpoint = s3_->endpoint();
  source::s3::Credentials creds{s3_->access_key_id(), SecretString(s3_->secret_access_key()),
                                SecretString(s3_->session_token())};
  source::s3::S3Client client(config, creds);
  Status s = client.put_object({bucket_, key}, body);
  EXPECT_TRUE(s.ok()) << "upload of s3://" << bucket_ << "/" << key
                      << " failed: " << (s.ok() ? "" : s.error().code + ": " + s.error().message);
  return uri(key);
}

ApiResponse Stack::post_task(const std::string& uri) {
  std::optional<std::string> token;
  if (!s3_->session_token().empty()) token = s3_->session_token();
  return app_->post_task(uri, s3_->access_key_id(), s3_->secret_access_key(), token);
}

std::string sanitizer_report(const std::string& log) {
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
    const size_t at = log.find(marker);
    if (at != std::string::npos) return log.substr(at, 4000);
  }
  return "";
}

std::string unique_id(std::string_view prefix) {
  return std::string(prefix) + "-" + crypto::hex(crypto::random_bytes(6));
}

std::string random_token(size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::random_bytes(n);
  std::string out(n, 'x');
  for (size_t i = 0; i < n; ++i) {
    out[i] = kAlphabet[static_cast<unsigned char>(bytes[i]) % kAlphabet.size()];
  }
  return out;
}

const json::object& as_object(const json::value& v) {
  static const json::object kEmpty;
  if (!v.is_object()) {
    ADD_FAILURE() << "expected a JSON object, got " << json::serialize(v);
    return kEmpty;
  }
  return v.get_object();
}

const json::array& as_array(const json::value& v) {
  static const json::array kEmpty;
  if (!v.is_array()) {
    ADD_FAILURE() << "expected a JSON array, got " << json::serialize(v);
    return kEmpty;
  }
  return v.get_array();
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    ADD_FAILURE() << "expected a string member '" << key << "' in " << json::serialize(o);
    return {};
  }
  return std::string(v->get_string());
}

int64_t num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  }
  ADD_FAILURE() << "expected an integer member '" << key << "' in " << json::serialize(o);
  return -1;
}

const json::object& obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    ADD_FAILURE() << "expected an object member '" << key << "' in " << json::serialize(o);
    static const json::object kEmpty;
    return kEmpty;
  }
  return as_object(*v);
}

bool is_null(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_null();
}

int status_rank(const std::string& status) {
  if (status == "pending") return 0;
  if (status == "running") return 1;
  if (is_terminal_status(status)) return 2;
  return -1;
}

TaskTrace run_task(Stack& stack, const std::string& uri, std::chrono::milliseconds timeout) {
  ApiResponse created = stack.post_task(uri);
  EXPECT_EQ(created.status, 201) << created.body;
  json::value v = created.json();
  TaskTrace trace;
  if (created.status != 201 || !v.is_object()) return trace;
  trace = stack.app().wait_for_task(str(v.get_object(), "task_id"), timeout);
  EXPECT_FALSE(trace.timed_out) << "task did not end; last answer " << json::serialize(trace.task)
                                << "\nlog tail:\n"
                                << stack.app().log_tail();
  return trace;
}

std::vector<json::object> list_all_events(SkillsyncProcess& app, const std::string& employee) {
  std::vector<json::object> items;
  std::string cursor;
  for (int page = 0; page < 100000; ++page) {
    std::string path = "/employees/" + employee + "/skill_events?limit=1000";
    if (!cursor.empty()) path += "&cursor=" + source::s3::uri_encode(cursor, true);
    ApiResponse r = app.get_paced(path);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    json::value v = r.json();
    const json::object& o = as_object(v);
    const json::value* page_items = o.if_contains("items");
    if (page_items == nullptr) {
      ADD_FAILURE() << "no items in " << r.body;
      break;
    }
    for (const auto& item : as_array(*page_items)) items.push_back(as_object(item));
    const json::value* next = o.if_contains("next_cursor");
    if (next == nullptr || next->is_null()) break;
    if (!next->is_string()) {
      ADD_FAILURE() << "next_cursor is neither a string nor null: " << r.body;
      break;
    }
    cursor = std::string(next->get_string());
  }
  return items;
}

}  // namespace skillsync::it
