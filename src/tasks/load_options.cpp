#include "tasks/load_options.hpp"

#include <boost/json.hpp>

#include "csv/dialect_options.hpp"

namespace skillsync::tasks {
namespace json = boost::json;

namespace {

void add(std::vector<schema::FieldError>* errors, std::string_view name, std::string code,
         std::string message) {
  errors->push_back({"options." + std::string(name), std::move(code), std::move(message)});
}

std::optional<bool> bool_option(const json::object& o, std::string_view name,
                                std::vector<schema::FieldError>* errors) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    add(errors, name, "invalid_type", "options." + std::string(name) + " must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::string_view> string_option(const json::object& o, std::string_view name,
                                              std::vector<schema::FieldError>* errors) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    add(errors, name, "invalid_type", "options." + std::string(name) + " must be a string");
    return std::nullopt;
  }
  return std::string_view(v->get_string());
}

}  // namespace

csv::Dialect LoadOptions::dialect() const {
  csv::Dialect d;
  d.delimiter = delimiter;
  d.quote = quote;
  return d;
}

Result<LoadOptions> parse_load_options(const json::value* options,
                                       std::vector<schema::FieldError>* errors) {
  LoadOptions out;
  if (options == nullptr || options->is_null()) return out;
  if (!options->is_object()) {
    errors->push_back({"options", "invalid_type", "options must be an object"});
    return Error{"invalid_fields", "invalid options"};
  }
  const size_t before = errors->size();
  const json::object& o = options->get_object();
  static constexpr std::string_view kKnown[] = {
      "on_error", "max_rejected_rows", "dry_run",        "ignore_unknown_columns", "delimiter",
      "quote",    "encoding",          "validate_access"};
  for (const auto& kv : o) {
    if (std::find(std::begin(kKnown), std::end(kKnown), kv.key()) == std::end(kKnown)) {
      std::string name(kv.key().substr(0, 64));
      add(errors, name, "unknown_field", "unknown option '" + name + "'");
    }
  }
  if (auto v = string_option(o, "on_error", errors)) {
    if (*v == "continue") {
      out.on_error = OnError::kContinue;
    } else if (*v == "abort") {
      out.on_error = OnError::kAbort;
    } else {
      add(errors, "on_error", "invalid_option", "options.on_error must be 'continue' or 'abort'");
    }
  }
  if (const json::value* v = o.if_contains("max_rejected_rows"); v && !v->is_null()) {
    if (v->is_uint64()) {
      out.max_rejected_rows = v->get_uint64();
    } else if (v->is_int64() && v->get_int64() >= 0) {
      out.max_rejected_rows = static_cast<uint64_t>(v->get_int64());
    } else {
      add(errors, "max_rejected_rows", "invalid_option",
          "options.max_rejected_rows must be an integer >= 0");
    }
  }
  if (auto v = bool_option(o, "dry_run", errors)) out.dry_run = *v;
  if (auto v = bool_option(o, "ignore_unknown_columns", errors)) out.ignore_unknown_columns = *v;
  if (auto v = bool_option(o, "validate_access", errors)) out.validate_access = *v;
  auto delimiter = string_option(o, "delimiter", errors);
  auto quote = string_option(o, "quote", errors);
  if (delimiter || quote) {
    auto dialect = csv::make_dialect(delimiter, quote);
    if (dialect.ok()) {
      out.delimiter = dialect->delimiter;
      out.quote = dialect->quote;
    } else {
      // The message names the option at fault ("options.quote must be ...").
      const bool quote_at_fault = dialect.error().message.rfind("options.quote", 0) == 0;
      add(errors, quote_at_fault ? "quote" : "delimiter", "invalid_option",
          dialect.error().message);
    }
  }
  if (auto v = string_option(o, "encoding", errors)) {
    auto e = csv::parse_encoding(*v);
    if (e) {
      out.encoding = *e;
    } else {
      add(errors, "encoding", "invalid_option",
          "options.encoding must be one of utf-8, utf-16, latin1, windows-1252");
    }
  }
  if (errors->size() != before) return Error{"invalid_fields", "invalid options"};
  return out;
}

std::string to_json(const LoadOptions& options) {
  json::object o;
  o["on_error"] = options.on_error == OnError::kAbort ? "abort" : "continue";
  o["max_rejected_rows"] =
      options.max_rejected_rows ? json::value(*options.max_rejected_rows) : json::value(nullptr);
  o["dry_run"] = options.dry_run;
  o["ignore_unknown_columns"] = options.ignore_unknown_columns;
  o["validate_access"] = options.validate_access;
  o["delimiter"] = std::string(1, options.delimiter);
  o["quote"] = std::string(1, options.quote);
  o["encoding"] = csv::to_string(options.encoding);
  return json::serialize(o);
}

Result<LoadOptions> load_options_from_json(std::string_view text) {
  if (text.empty()) return LoadOptions{};
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Error{"invalid_options", "stored task options are not JSON"};
  std::vector<schema::FieldError> errors;
  auto parsed = parse_load_options(&v, &errors);
  if (!parsed.ok()) {
    return Error{"invalid_options", "stored task options are invalid: " +
                                        (errors.empty() ? std::string() : errors[0].message)};
  }
  return parsed;
}

}  // namespace skillsync::tasks
