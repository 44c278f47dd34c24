// AWS credentials and region for `skillsync load`, found where the AWS CLI
// finds them, in the AWS CLI's order:
//
//   1. --aws-access-key-id + --aws-secret-access-key (explicit insistence:
//      the secret then sits in shell history);
//   2. --profile P: that profile, even when AWS_* keys are set;
//   3. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   4. the profile AWS_PROFILE (else "default"): its keys in the shared
//      credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials,
//      section [P]), else in the config file (AWS_CONFIG_FILE, else
//      ~/.aws/config, section [profile P], or [default]).
//
// Region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in
// the config file, else none (the server's --s3-region).
//
// Errors say what to do next. A profile that gets its keys some other way
// (role_arn, sso_*, credential_process) is refused with the command that
// exports temporary keys. Pure apart from reading the two files.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace skillsync::client {

struct AwsCredentials {
  std::string access_key_id;
  SecretString secret_access_key;
  SecretString session_token;  // empty when none
  std::string source;          // "environment", "profile dev (~/.aws/credentials)", ...
};

// Reads an environment variable; nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct AwsFlags {
  std::string profile;  // --profile
  std::string region;   // --region
  std::string access_key_id;
  SecretString secret_access_key;  // --aws-secret-access-key
  std::string session_token;       // --aws-session-token
};

Result<AwsCredentials> resolve_aws_credentials(const AwsFlags& flags, const EnvLookup& env);
std::optional<std::string> resolve_aws_region(const AwsFlags& flags, const EnvLookup& env);

// An INI file as the AWS CLI reads it: section -> key -> value; comment
// lines (# ;) and indented sub-keys are skipped. Empty when unreadable.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile parse_ini(const std::string& text);

}  // namespace skillsync::client
