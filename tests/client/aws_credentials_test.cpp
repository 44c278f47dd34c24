// AWS credentials and region resolved in the AWS CLI's order: flags, an
// explicit --profile, the environment, then AWS_PROFILE/default from the
// credentials and config files (paths from AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE, else under HOME).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "client/aws_credentials.hpp"
#include "support/process.hpp"

namespace skillsync::client {
namespace {

class AwsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_.file(".aws")); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
  }
  EnvLookup env() {
    return [this](const std::string& name) -> std::optional<std::string> {
      if (name == "HOME") return dir_.path();
      const auto it = vars_.find(name);
      if (it == vars_.end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
  }
  Result<AwsCredentials> resolve(const std::string& profile = "") {
    AwsFlags flags;
    flags.profile = profile;
    return resolve_aws_credentials(flags, env());
  }

  testsupport::TempDir dir_{"skillsync-aws-"};
  std::map<std::string, std::string> vars_;
};

TEST_F(AwsCredentialsTest, EnvironmentKeysWithSessionToken) {
  vars_ = {{"AWS_ACCESS_KEY_ID", "AKENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"},
           {"AWS_SESSION_TOKEN", "env-token"}};
  auto c = resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKENV");
  EXPECT_EQ(c->secret_access_key.reveal(), "env-secret");
  EXPECT_EQ(c->session_token.reveal(), "env-token");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(AwsCredentialsTest, DefaultProfileFromTheCredentialsFile) {
  write(".aws/credentials",
        "# comment\n[default]\naws_access_key_id = AKDEF\naws_secret_access_key=def-secret\n"
        "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = dev-secret\n");
  auto c = resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKDEF");
  EXPECT_EQ(c->secret_access_key.reveal(), "def-secret");
  EXPECT_TRUE(c->session_token.empty());
}

TEST_F(AwsCredentialsTest, ExplicitProfileWinsOverEnvironmentKeys) {
  write(".aws/credentials", "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = s\n");
  vars_ = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"}};
  auto c = resolve("dev");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKDEV");
}

TEST_F(AwsCredentialsTest, EnvironmentKeysWinOverAwsProfile) {
  write(".aws/credentials", "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = s\n");
  vars_ = {{"AWS_ACCESS_KEY_ID", "AKENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"},
           {"AWS_PROFILE", "dev"}};
  auto c = resolve();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKENV");
}

TEST_F(AwsCredentialsTest, AwsProfileAndFileLocationsFromTheEnvironment) {
  write("creds", "[ops]\naws_access_key_id = AKOPS\naws_secret_access_key = ops-secret\n");
  write("conf", "[profile ops]\nregion = eu-west-3\n");
  vars_ = {{"AWS_PROFILE", "ops"},
           {"AWS_SHARED_CREDENTIALS_FILE", dir_.file("creds")},
           {"AWS_CONFIG_FILE", dir_.file("conf")}};
  auto c = resolve();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKOPS");
  EXPECT_EQ(resolve_aws_region({}, env()), "eu-west-3");
}

TEST_F(AwsCredentialsTest, KeysInTheConfigFileProfileSection) {
  write(".aws/config",
        "[profile cfg]\naws_access_key_id = AKCFG\naws_secret_access_key = cfg-secret\n"
        "aws_session_token = tok\nregion = us-west-2\ns3 =\n  max_concurrent_requests = 4\n");
  auto c = resolve("cfg");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "AKCFG");
  EXPECT_EQ(c->session_token.reveal(), "tok");
  AwsFlags flags;
  flags.profile = "cfg";
  EXPECT_EQ(resolve_aws_region(flags, env()), "us-west-2");
}

TEST_F(AwsCredentialsTest, RegionOrder) {
  write(".aws/config", "[default]\nregion = eu-central-1\n");
  EXPECT_EQ(resolve_aws_region({}, env()), "eu-central-1");
  vars_["AWS_DEFAULT_REGION"] = "eu-north-1";
  EXPECT_EQ(resolve_aws_region({}, env()), "eu-north-1");
  vars_["AWS_REGION"] = "eu-south-1";
  EXPECT_EQ(resolve_aws_region({}, env()), "eu-south-1");
  AwsFlags flags;
  flags.region = "ap-east-1";
  EXPECT_EQ(resolve_aws_region(flags, env()), "ap-east-1");
}

TEST_F(AwsCredentialsTest, NoRegionAnywhereIsTheServersDefault) {
  EXPECT_EQ(resolve_aws_region({}, env()), std::nullopt);
}

TEST_F(AwsCredentialsTest, ErrorsSayWhatToDo) {
  auto none = resolve();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  auto missing = resolve("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("profile nope"), std::string::npos);
  write(".aws/config", "[profile sso]\nsso_session = corp\n");
  auto sso = resolve("sso");
  ASSERT_FALSE(sso.ok());
  EXPECT_NE(sso.error().message.find("aws configure export-credentials --profile sso"),
            std::string::npos);
}

TEST_F(AwsCredentialsTest, FlagsNeedBothHalves) {
  AwsFlags flags;
  flags.access_key_id = "AKFLAG";
  EXPECT_FALSE(resolve_aws_credentials(flags, env()).ok());
  flags.secret_access_key = SecretString("flag-secret");
  auto c = resolve_aws_credentials(flags, env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->secret_access_key.reveal(), "flag-secret");
}

}  // namespace
}  // namespace skillsync::client
