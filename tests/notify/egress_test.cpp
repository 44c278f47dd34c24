// notify/egress: the SSRF guard's URL rules, address classes and allow list.
#include "notify/egress.hpp"

#include <gtest/gtest.h>

namespace skillsync::notify {
namespace {

TEST(Egress, RefusesNonPublicAddresses) {
  for (const char* a : {"127.0.0.1",
                        "127.5.6.7",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "0.0.0.0",
                        "224.0.0.1",
                        "255.255.255.255",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd00:ec2::254",
                        "ff02::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "::ffff:169.254.169.254",
                        "64:ff9b::a00:1",
                        "[::1]",
                        "not-an-address"}) {
    EXPECT_TRUE(is_forbidden_address(a)) << a;
  }
  for (const char* a : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1",
                        "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_FALSE(is_forbidden_address(a)) << a;
  }
}

TEST(Egress, UrlsMustBeHttpsUnlessTheHostIsAllowed) {
  EgressPolicy policy({*parse_allowed_host("127.0.0.1:8080"), *parse_allowed_host("Hooks.Lan")});
  EXPECT_TRUE(policy.parse("https://example.com/in").ok());
  EXPECT_EQ(policy.parse("http://example.com/in").error().code, "forbidden_url");
  EXPECT_EQ(policy.parse("ftp://example.com/").error().code, "invalid_url");
  EXPECT_EQ(policy.parse("https://user:pw@example.com/").error().code, "invalid_url");
  EXPECT_EQ(policy.parse("not a url").error().code, "invalid_url");
  auto allowed = policy.parse("http://127.0.0.1:8080/hook");
  ASSERT_TRUE(allowed.ok());
  EXPECT_TRUE(allowed->allowed);
  EXPECT_EQ(allowed->port, 8080);
  EXPECT_EQ(policy.parse("http://127.0.0.1:8081/hook").error().code, "forbidden_url");
  EXPECT_TRUE(policy.parse("http://hooks.lan:9/x")->allowed);
  auto v6 = policy.parse("https://[::1]:8443/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_FALSE(v6->allowed);
}

TEST(Egress, AddressesAreVettedUnlessTheTargetIsAllowed) {
  EgressPolicy policy({*parse_allowed_host("[::1]:8443")});
  auto rebinding = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"93.184.216.34", "10.0.0.7"};
  };
  auto t = policy.parse("https://evil.example/x");
  EXPECT_EQ(vet_addresses(*t, rebinding).error().code, "forbidden_address");
  auto local = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"::1"};
  };
  auto allowed = policy.parse("https://[::1]:8443/x");
  ASSERT_TRUE(allowed.ok());
  auto pinned = vet_addresses(*allowed, local);
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(*pinned, std::vector<std::string>{"::1"});
  EXPECT_EQ(vet_addresses(*policy.parse("https://[::1]/x"), local).error().code,
            "forbidden_address");
}

TEST(Egress, AnAddressLiteralIsJudgedItselfNeverResolved) {
  EgressPolicy policy;
  auto lying = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"93.184.216.34"};
  };
  for (const char* url :
       {"https://127.0.0.1/x", "https://[::ffff:a9fe:a9fe]/x", "https://[0:0:0:0:0:0:0:1]/x"}) {
    EXPECT_EQ(vet_addresses(*policy.parse(url), lying).error().code, "forbidden_address") << url;
  }
  // The pinned address is the canonical form the connect-time check compares.
  auto pinned = vet_addresses(*policy.parse("https://[2606:4700:4700:0:0:0:0:1111]/x"), lying);
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(*pinned, std::vector<std::string>{"2606:4700:4700::1111"});
}

TEST(Egress, AllowedHostsParse) {
  EXPECT_EQ(parse_allowed_host("example.com")->port, std::nullopt);
  EXPECT_EQ(parse_allowed_host("example.com:443")->port, std::optional<uint16_t>(443));
  EXPECT_EQ(parse_allowed_host("[::1]:9")->host, "::1");
  EXPECT_FALSE(parse_allowed_host("").ok());
  EXPECT_FALSE(parse_allowed_host("h:0").ok());
  EXPECT_FALSE(parse_allowed_host("h:x").ok());
  EXPECT_FALSE(parse_allowed_host("h:").ok());
}

}  // namespace
}  // namespace skillsync::notify
