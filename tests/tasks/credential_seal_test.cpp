// tasks/credential_seal: the master key file (created 0600, refused when
// looser, never created by load), and sealed secrets: hidden, bound to their
// task, erased or unreadable with the right codes, and still open after a
// key rotation.
#include "tasks/credential_seal.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/crypto.hpp"

namespace skillsync::tasks {
namespace {

TEST(Credentials, SealedBlobHidesTheSecretAndIsBoundToTheTask) {
  MasterKey key{SecretString(crypto::random_bytes(32))};
  source::s3::Credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = SecretString("very-secret-value");
  c.session_token = SecretString("token-value");
  std::string sealed = seal_credentials(key, "flt_1", c);
  EXPECT_EQ(sealed.find("very-secret-value"), std::string::npos);
  auto opened = open_credentials(key, "flt_1", sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->secret_access_key.reveal(), "very-secret-value");
  EXPECT_EQ(opened->session_token.reveal(), "token-value");
  EXPECT_FALSE(open_credentials(key, "flt_2", sealed).ok());
  EXPECT_EQ(open_credentials(key, "flt_1", "").error().code, "credentials_erased");
}

TEST(MasterKey, AfterRotationTasksSealedWithThePreviousKeyStillOpen) {
  MasterKey old_key{SecretString(crypto::random_bytes(32))};
  source::s3::Credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = SecretString("sealed-before-rotation");
  const std::string sealed_before = seal_credentials(old_key, "flt_1", c);
  const std::string url_before =
      seal_presigned_url(old_key, "flt_2", SecretString("https://h/k?X-Amz-Signature=s"));

  MasterKey new_key{SecretString(crypto::random_bytes(32))};
  EXPECT_EQ(open_credentials(new_key, "flt_1", sealed_before).error().code,
            "credentials_unreadable");
  new_key.add_previous(old_key);
  auto opened = open_credentials(new_key, "flt_1", sealed_before);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->secret_access_key.reveal(), "sealed-before-rotation");
  auto url = open_presigned_url(new_key, "flt_2", url_before);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->reveal(), "https://h/k?X-Amz-Signature=s");

  // New tasks are sealed with the new key only: the old key cannot open them.
  const std::string sealed_after = seal_credentials(new_key, "flt_3", c);
  EXPECT_FALSE(open_credentials(old_key, "flt_3", sealed_after).ok());
  EXPECT_TRUE(open_credentials(new_key, "flt_3", sealed_after).ok());
}

TEST(MasterKey, LoadNeverCreatesAKeyFile) {
  EXPECT_EQ(MasterKey::load("/nonexistent/skillsync/master.key").error().code, "io_error");
}

TEST(MasterKey, CreatedWithMode0600AndReloaded) {
  char tmpl[] = "/tmp/skillsync-key-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/master.key";
  auto a = MasterKey::load_or_create(path);
  ASSERT_TRUE(a.ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = MasterKey::load_or_create(path);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->bytes(), b->bytes());
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(MasterKey::load_or_create(path).error().code, "insecure_master_key");
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

TEST(PresignedUrl, SealedUrlHidesItsSignatureAndOpensOnlyForItsTask) {
  MasterKey key{SecretString(crypto::random_bytes(32))};
  const std::string url = "https://b.s3.amazonaws.com/k.csv?X-Amz-Signature=0123456789abcdef";
  const std::string sealed = seal_presigned_url(key, "flt_1", SecretString(url));
  EXPECT_EQ(sealed.find("0123456789abcdef"), std::string::npos);
  auto opened = open_presigned_url(key, "flt_1", sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->reveal(), url);
  EXPECT_TRUE(open_presigned_url(key, "flt_2", sealed).error().is(Errc::kCredentialsUnreadable));
  EXPECT_TRUE(open_presigned_url(key, "flt_1", "").error().is(Errc::kCredentialsErased));
}

// Each kind of blob opens only as itself: credentials hold no URL.
TEST(PresignedUrl, CredentialsAreNotAUrl) {
  MasterKey key{SecretString(crypto::random_bytes(32))};
  source::s3::Credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = SecretString("s");
  auto opened = open_presigned_url(key, "flt_1", seal_credentials(key, "flt_1", c));
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.error().is(Errc::kCredentialsUnreadable));
  EXPECT_EQ(opened.error().message, "the task's sealed presigned URL is corrupt");
  EXPECT_TRUE(
      open_credentials(key, "flt_1", "not a sealed blob").error().is(Errc::kCredentialsUnreadable));
}

TEST(MasterKey, RefusesAFileOfAnotherSize) {
  char tmpl[] = "/tmp/skillsync-key-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/master.key";
  std::ofstream(path) << "too short";
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(MasterKey::load(path).error().code, "bad_master_key");
  EXPECT_EQ(MasterKey::load_or_create(path).error().code, "bad_master_key") << "never replaced";
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace skillsync::tasks
