// --config FILE and --print-config (see config.hpp).
#include "app/config.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace skillsync::app {

namespace {

constexpr std::string_view kConfig = "--config";
constexpr std::string_view kPrintConfig = "--print-config";

bool is_own(const CLI::Option* opt) {
  const std::string name = opt->get_name();
  return name == kConfig || name == kPrintConfig || name == "--help";
}

// The line (1-based) of each `key =` line of the file, as written.
std::map<std::string, int> key_lines(const std::string& text) {
  static const std::regex kKey(R"(^\s*([A-Za-z0-9_.-]+|"[^"]*"|'[^']*')\s*=)");
  std::map<std::string, int> lines;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (!std::regex_search(line, m, kKey)) continue;
    std::string key = m[1];
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) {
      key = key.substr(1, key.size() - 2);
    }
    lines.emplace(key, n);
  }
  return lines;
}

std::string where(const std::string& file, const std::map<std::string, int>& lines,
                  const std::string& key) {
  auto it = lines.find(key);
  return "config file " + file + (it == lines.end() ? "" : " line " + std::to_string(it->second));
}

// Sets every option of the file that no flag and no environment variable set.
void apply_config_file(CLI::App& cmd, const std::string& file) {
  std::ifstream in(file);
  if (!in) throw CLI::ConfigError("cannot read config file " + file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::istringstream parse_in(text);
  const std::vector<CLI::ConfigItem> items = CLI::ConfigTOML().from_config(parse_in);
  const auto lines = key_lines(text);
  for (const CLI::ConfigItem& item : items) {
    // CLI11 marks the ends of sections with "++" / "--" items.
    if (item.name == "++" || item.name == "--") continue;
    const std::string key = item.fullname();
    CLI::Option* opt = item.parents.empty() ? cmd.get_option_no_throw("--" + item.name) : nullptr;
    if (opt == nullptr || is_own(opt)) {
      throw CLI::ConfigError(where(file, lines, key) + ": unknown key '" + key + "' (" +
                             cmd.get_name() + " has no option --" + key + ")");
    }
    if (opt->count() > 0) continue;  // a flag or the environment set it
    if (item.inputs.size() != 1 &&
        static_cast<int>(item.inputs.size()) > opt->get_items_expected_max()) {
      throw CLI::ConfigError(where(file, lines, key) + ": '" + key + "' takes one value");
    }
    try {
      for (const std::string& input : item.inputs) opt->add_result(input);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      throw CLI::ConfigError(where(file, lines, key) + ": " + e.what());
    }
  }
}

// A TOML value: bare for numbers and booleans, else a string (a literal
// '...' string when it holds a quote or backslash, as CLI11 reads no escapes).
std::string toml_value(const CLI::Option* opt, const std::string& v) {
  static const std::regex kNumber(R"(^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$)");
  const bool text = opt->get_type_name() == "TEXT";
  // A repeatable option (CLI11 renders its values "[a,b]"): a TOML array.
  if (opt->get_items_expected_max() > 1 && v.size() >= 2 && v.front() == '[') {
    std::string out = "[";
    for (size_t i = 1, end = 0; i < v.size() - 1; i = end + 1) {
      end = std::min(v.find(',', i), v.size() - 1);
      out += (out.size() > 1 ? ", \"" : "\"") + v.substr(i, end - i) + "\"";
    }
    return out + "]";
  }
  if (!text && (v == "true" || v == "false" || std::regex_match(v, kNumber))) return v;
  if (v.find_first_of("\"\\") != std::string::npos && v.find('\'') == std::string::npos) {
    return "'" + v + "'";
  }
  return "\"" + v + "\"";
}

std::string effective_value(CLI::Option* opt) {
  if (opt->get_expected_min() == 0) {  // a flag
    return opt->count() > 0 && opt->as<bool>() ? "true" : "false";
  }
  // The bound variable's current value: what the command will use.
  opt->capture_default_str();
  // A repeatable option with no value is unset, like an empty string.
  if (opt->get_items_expected_max() > 1 && opt->get_default_str() == "[]") return "";
  return opt->get_default_str();
}

}  // namespace

std::string redact_store(std::string_view store) {
  static const std::regex kUserInfo(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*:)[^@/?#]*@)");
  static const std::regex kParam(R"((password=)[^& ]*)", std::regex::icase);
  std::string out = std::regex_replace(std::string(store), kUserInfo, "$1***@");
  return std::regex_replace(out, kParam, "$1***");
}

void add_config_options(CLI::App* cmd) {
  cmd->add_option(std::string(kConfig),
                  "TOML file of options: `name = value` per line, named as "
                  "the long options (skillsync.example.toml); flags and "
                  "environment variables override it")
      ->envname("SKILLSYNC_CONFIG")
      ->check(CLI::ExistingFile);
  cmd->add_flag(std::string(kPrintConfig))
      ->description("Print the effective settings as a config file (secrets redacted) and exit");
  cmd->final_callback([cmd] {
    CLI::Option* config = cmd->get_option(std::string(kConfig));
    if (config->count() > 0) apply_config_file(*cmd, config->as<std::string>());
  });
}

std::string effective_config(CLI::App* cmd) {
  std::string out = "# skillsync " + cmd->get_name() +
                    ": effective settings (flag > environment > file > default)\n";
  for (CLI::Option* opt : cmd->get_options()) {
    if (opt->get_lnames().empty() || is_own(opt)) continue;
    const std::string name = opt->get_lnames().front();
    std::string value = effective_value(opt);
    if (name == "store") value = redact_store(value);
    out += "\n# " + opt->get_description() + "\n";
    // An unset value is left commented: its option may reject "".
    out += (value.empty() ? "# " : "") + name + " = " + toml_value(opt, value) + "\n";
  }
  return out;
}

bool print_config_if_asked(CLI::App* cmd, std::ostream& out) {
  if (cmd->get_option(std::string(kPrintConfig))->count() == 0) return false;
  out << effective_config(cmd);
  return true;
}

}  // namespace skillsync::app
