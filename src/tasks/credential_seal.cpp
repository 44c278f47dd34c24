// The master key file, and sealing/opening secrets with it (see
// credential_seal.hpp).
#include "tasks/credential_seal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "common/crypto.hpp"

namespace skillsync::tasks {
namespace json = boost::json;

namespace {
constexpr size_t kMasterKeyBytes = 32;

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"io_error", "cannot open " + path + ": " + std::strerror(errno)};
  std::string data(kMasterKeyBytes + 1, '\0');
  ssize_t n = ::read(fd, data.data(), data.size());
  ::close(fd);
  if (n < 0) return Error{"io_error", "cannot read " + path + ": " + std::strerror(errno)};
  data.resize(static_cast<size_t>(n));
  return data;
}

std::string seal_json(const MasterKey& key, std::string_view task_id, const json::object& o) {
  std::string plain = json::serialize(o);
  std::string sealed = crypto::aes256gcm_seal(key.bytes(), plain, task_id);
  secure_wipe(plain);
  return sealed;
}

void wipe(json::string& s) { std::fill(s.begin(), s.end(), '\0'); }

// Opens a blob sealed with the key or, after a rotation, a previous one, and
// parses its JSON object. `what` names the secret in the message when no key
// opens it; `corrupt` is the message when it holds no JSON object.
Result<json::object> open_json(const MasterKey& key, std::string_view task_id,
                               std::string_view sealed, std::string_view what,
                               std::string_view corrupt) {
  auto plain = crypto::aes256gcm_open(key.bytes(), sealed, task_id);
  for (size_t i = 0; !plain.ok() && i < key.previous().size(); ++i) {
    plain = crypto::aes256gcm_open(key.previous()[i].reveal(), sealed, task_id);
  }
  if (!plain.ok()) {
    return Error(Errc::kCredentialsUnreadable,
                 "the task's " + std::string(what) + " cannot be decrypted with this master key");
  }
  SecretString holder(std::move(*plain));
  boost::system::error_code ec;
  json::value v = json::parse(holder.reveal(), ec);
  if (ec || !v.is_object()) return Error(Errc::kCredentialsUnreadable, std::string(corrupt));
  return std::move(v.get_object());
}

}  // namespace

Result<MasterKey> MasterKey::load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error{"io_error", "cannot read master key file " + path + ": " + std::strerror(errno)};
  }
  if ((st.st_mode & 077) != 0) {
    return Error{"insecure_master_key",
                 "master key file " + path + " is readable by group or others; chmod 600 it"};
  }
  SKILLSYNC_ASSIGN_OR_RETURN(std::string data, read_file(path));
  if (data.size() != kMasterKeyBytes) {
    return Error{"bad_master_key", "master key file " + path + " must hold exactly 32 bytes"};
  }
  return MasterKey(SecretString(std::move(data)));
}

Result<MasterKey> MasterKey::load_or_create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    std::string key = crypto::random_bytes(kMasterKeyBytes);
    ssize_t n = ::write(fd, key.data(), key.size());
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (n != static_cast<ssize_t>(key.size()) || !synced) {
      ::unlink(path.c_str());
      return Error{"io_error", "cannot write master key file " + path};
    }
    return MasterKey(SecretString(std::move(key)));
  }
  if (errno != EEXIST) {
    return Error{"io_error", "cannot create master key file " + path + ": " + std::strerror(errno)};
  }
  return load(path);
}

std::string seal_credentials(const MasterKey& key, std::string_view task_id,
                             const source::s3::Credentials& creds) {
  json::object o;
  o["aws_access_key_id"] = creds.access_key_id;
  o["aws_secret_access_key"] = creds.secret_access_key.reveal();
  if (!creds.session_token.empty()) o["aws_session_token"] = creds.session_token.reveal();
  std::string sealed = seal_json(key, task_id, o);
  for (auto& kv : o) wipe(kv.value().get_string());
  return sealed;
}

Result<source::s3::Credentials> open_credentials(const MasterKey& key, std::string_view task_id,
                                                 std::string_view sealed) {
  if (sealed.empty()) {
    return Error(Errc::kCredentialsErased, "the task's credentials were erased");
  }
  SKILLSYNC_ASSIGN_OR_RETURN(
      json::object o, open_json(key, task_id, sealed, "credentials", "sealed credentials corrupt"));
  source::s3::Credentials creds;
  if (auto* p = o.if_contains("aws_access_key_id"); p && p->is_string()) {
    creds.access_key_id = std::string(p->get_string());
  }
  if (auto* p = o.if_contains("aws_secret_access_key"); p && p->is_string()) {
    creds.secret_access_key = SecretString(std::string(p->get_string()));
    wipe(p->get_string());
  }
  if (auto* p = o.if_contains("aws_session_token"); p && p->is_string()) {
    creds.session_token = SecretString(std::string(p->get_string()));
    wipe(p->get_string());
  }
  return creds;
}

std::string seal_presigned_url(const MasterKey& key, std::string_view task_id,
                               const SecretString& url) {
  json::object o{{"presigned_url", url.reveal()}};
  std::string sealed = seal_json(key, task_id, o);
  wipe(o["presigned_url"].get_string());
  return sealed;
}

Result<SecretString> open_presigned_url(const MasterKey& key, std::string_view task_id,
                                        std::string_view sealed) {
  constexpr std::string_view kCorrupt = "the task's sealed presigned URL is corrupt";
  if (sealed.empty()) {
    return Error(Errc::kCredentialsErased, "the task's presigned URL was erased");
  }
  SKILLSYNC_ASSIGN_OR_RETURN(json::object o,
                             open_json(key, task_id, sealed, "presigned URL", kCorrupt));
  json::value* url = o.if_contains("presigned_url");
  if (url == nullptr || !url->is_string() || url->get_string().empty()) {
    return Error(Errc::kCredentialsUnreadable, std::string(kCorrupt));
  }
  SecretString out(std::string(url->get_string()));
  wipe(url->get_string());  // the parsed copy held the URL too
  return out;
}

}  // namespace skillsync::tasks
