// tasks/credential_seal: the master key, and sealing a task's (or a source's)
// secret at rest with it.
//
// Contracts:
//   - The master key is 32 bytes in a file of mode 0600 (load refuses a
//     looser mode with "insecure_master_key", another size with
//     "bad_master_key"); load_or_create writes a new random one when absent.
//   - A sealed blob is AES-256-GCM with the master key, bound to its owner's
//     id (a blob moved to another task does not open). Sealing always uses
//     the current key; opening tries it, then each previous key (rotation).
//   - Opening fails with Errc::kCredentialsErased when the blob is "" (the
//     store erases it when the task ends) and Errc::kCredentialsUnreadable
//     when no key opens it or it holds no secret. No message holds a secret.
//   - Plain-text copies made while sealing or opening are wiped; secrets
//     live in SecretString.
// Only the code that runs a load (and the source checker, which seals the
// tasks it makes) opens blobs: the API never sees one (see task_view.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/secret.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::tasks {

// The 32-byte key that seals task credentials at rest.
class MasterKey {
 public:
  // REQUIRES: bytes.size() == 32
  explicit MasterKey(SecretString bytes) : bytes_(std::move(bytes)) {}
  // Reads the key file, or creates it (mode 0600, 32 random bytes) when absent.
  static Result<MasterKey> load_or_create(const std::string& path);
  // Reads an existing key file (mode 0600, 32 bytes); never creates one.
  static Result<MasterKey> load(const std::string& path);
  const std::string& bytes() const { return bytes_.reveal(); }

  // Rotation: a key that sealed earlier tasks. Sealing always uses this key;
  // opening tries this key, then each previous one in the order added.
  void add_previous(const MasterKey& previous) { previous_.push_back(previous.bytes_); }
  const std::vector<SecretString>& previous() const { return previous_; }

 private:
  SecretString bytes_;
  std::vector<SecretString> previous_;
};

std::string seal_credentials(const MasterKey& key, std::string_view task_id,
                             const source::s3::Credentials& creds);
Result<source::s3::Credentials> open_credentials(const MasterKey& key, std::string_view task_id,
                                                 std::string_view sealed);
// A presigned URL is sealed like credentials (stored in
// Task::sealed_credentials, erased with them when the task ends).
// open_presigned_url fails with "credentials_erased" (an erased blob) or
// "credentials_unreadable" (another key, or a blob without a URL).
std::string seal_presigned_url(const MasterKey& key, std::string_view task_id,
                               const SecretString& url);
Result<SecretString> open_presigned_url(const MasterKey& key, std::string_view task_id,
                                        std::string_view sealed);

}  // namespace skillsync::tasks
