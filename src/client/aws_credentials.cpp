// AWS credential and region resolution (see aws_credentials.hpp).
#include "client/aws_credentials.hpp"
#include "client/client_errors.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace skillsync::client {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

struct Files {
  std::string credentials_path;
  std::string config_path;
  IniFile credentials;
  IniFile config;
};

IniFile read_ini(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_ini(ss.str());
}

Files read_files(const EnvLookup& env) {
  const std::string home = env("HOME").value_or("");
  Files f;
  f.credentials_path = env("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  f.config_path = env("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  f.credentials = read_ini(f.credentials_path);
  f.config = read_ini(f.config_path);
  return f;
}

const std::map<std::string, std::string>* config_section(const Files& f,
                                                         const std::string& profile) {
  auto it = f.config.find("profile " + profile);
  if (it == f.config.end() && profile == "default") it = f.config.find("default");
  return it == f.config.end() ? nullptr : &it->second;
}

std::optional<std::string> value(const std::map<std::string, std::string>* s, const char* key) {
  if (s == nullptr) return std::nullopt;
  const auto it = s->find(key);
  if (it == s->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Result<AwsCredentials> keys_of(const std::map<std::string, std::string>* s,
                               const std::string& source) {
  AwsCredentials c;
  c.access_key_id = value(s, "aws_access_key_id").value_or("");
  c.secret_access_key = SecretString(value(s, "aws_secret_access_key").value_or(""));
  c.session_token = SecretString(value(s, "aws_session_token").value_or(""));
  c.source = source;
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Error{"no_credentials", source + " has no aws_access_key_id and aws_secret_access_key"};
  }
  return c;
}

Result<AwsCredentials> from_profile(const std::string& profile, bool named, const Files& f) {
  const auto cred = f.credentials.find(profile);
  const auto* conf = config_section(f, profile);
  if (cred != f.credentials.end() && value(&cred->second, "aws_access_key_id")) {
    return keys_of(&cred->second, "profile " + profile + " (" + f.credentials_path + ")");
  }
  if (value(conf, "aws_access_key_id")) {
    return keys_of(conf, "profile " + profile + " (" + f.config_path + ")");
  }
  for (const char* other : {"role_arn", "sso_start_url", "sso_session", "credential_process"}) {
    if (value(conf, other)) {
      return Error{"unsupported_profile",
                   "profile " + profile + " gets its keys through " + other +
                       ", which skillsync does not run; export temporary keys with `eval "
                       "\"$(aws configure export-credentials --profile " +
                       profile + " --format env)\"` and run again without --profile"};
    }
  }
  if (named && cred == f.credentials.end() && conf == nullptr) {
    return Error{"no_credentials", "the profile " + profile + " is in neither " +
                                       f.credentials_path + " nor " + f.config_path +
                                       "; check --profile / AWS_PROFILE (`aws configure list-"
                                       "profiles` lists them)"};
  }
  return Error{"no_credentials",
               "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass "
               "--profile NAME (from " +
                   f.credentials_path + "), or use --presigned-url"};
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

IniFile parse_ini(const std::string& text) {
  IniFile ini;
  std::string section;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;  // sub-keys
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = trim(t.substr(1, t.size() - 2));
      ini[section];
      continue;
    }
    const size_t eq = t.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    ini[section][trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  return ini;
}

Result<AwsCredentials> resolve_aws_credentials(const AwsFlags& flags, const EnvLookup& env) {
  if (!flags.secret_access_key.empty() || !flags.access_key_id.empty()) {
    if (flags.secret_access_key.empty() || flags.access_key_id.empty()) {
      return usage_error("--aws-access-key-id and --aws-secret-access-key go together");
    }
    return AwsCredentials{flags.access_key_id, flags.secret_access_key,
                          SecretString(flags.session_token), "command line"};
  }
  if (flags.profile.empty()) {
    const auto id = env("AWS_ACCESS_KEY_ID");
    const auto secret = env("AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      return AwsCredentials{*id, SecretString(*secret),
                            SecretString(env("AWS_SESSION_TOKEN").value_or("")), "environment"};
    }
  }
  const auto env_profile = env("AWS_PROFILE");
  const std::string profile =
      !flags.profile.empty() ? flags.profile : env_profile.value_or("default");
  return from_profile(profile, !flags.profile.empty() || env_profile.has_value(), read_files(env));
}

std::optional<std::string> resolve_aws_region(const AwsFlags& flags, const EnvLookup& env) {
  if (!flags.region.empty()) return flags.region;
  if (auto r = env("AWS_REGION")) return r;
  if (auto r = env("AWS_DEFAULT_REGION")) return r;
  const std::string profile =
      !flags.profile.empty() ? flags.profile : env("AWS_PROFILE").value_or("default");
  const Files f = read_files(env);
  return value(config_section(f, profile), "region");
}

}  // namespace skillsync::client
