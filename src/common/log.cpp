// Logging (see log.hpp): the stderr logger, the thread's structured fields
// and the JSON line formatter.
#include "common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/utf8.hpp"

namespace skillsync {
namespace log {
namespace {

thread_local std::vector<Field> t_fields;

void append_json_string(std::string& out, std::string_view s) {
  std::string valid;
  utf8::append_valid(valid, s);  // a JSON line is always well-formed UTF-8
  out += '"';
  for (char c : valid) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string rfc3339_ms(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line =
        json_line(rfc3339_ms(msg.time), std::string_view(level.data(), level.size()),
                  std::string_view(msg.payload.data(), msg.payload.size()), t_fields);
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

ScopedFields::ScopedFields(std::initializer_list<Field> fields) : previous_size_(t_fields.size()) {
  t_fields.insert(t_fields.end(), fields.begin(), fields.end());
}

ScopedFields::~ScopedFields() { t_fields.resize(previous_size_); }

const std::vector<Field>& current_fields() { return t_fields; }

std::string json_line(std::string_view time, std::string_view level, std::string_view message,
                      const std::vector<Field>& fields) {
  std::string out = "{\"time\":";
  append_json_string(out, time);
  out += ",\"level\":";
  append_json_string(out, level);
  out += ",\"message\":";
  append_json_string(out, message);
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (f.key == "time" || f.key == "level" || f.key == "message") continue;
    bool shadowed = false;  // a later field with the same key wins
    for (size_t j = i + 1; j < fields.size() && !shadowed; ++j) shadowed = fields[j].key == f.key;
    if (shadowed) continue;
    out += ',';
    append_json_string(out, f.key);
    out += ':';
    if (f.number) {
      out += f.value;
    } else {
      append_json_string(out, f.value);
    }
  }
  out += '}';
  return out;
}

}  // namespace log

void init_logging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stderr_logger_mt("skillsync");
  if (format == "json") {
    logger->set_formatter(std::make_unique<log::JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace skillsync
