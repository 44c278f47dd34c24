// The keys a process sets up in its store at start (see key_setup.hpp).
#include "app/key_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "api/api.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"

namespace skillsync::app {

namespace {

bool write_secret_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::string line = content + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  secure_wipe(line);
  return ::close(fd) == 0 && ok;
}

}  // namespace

// On first start there is no API key: create one so the operator can log in.
Status bootstrap_api_key(store::Store& store, const ServeConfig& config) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto count, store.count_api_keys());
  if (count > 0) return ok_status();
  const char* env = std::getenv("SKILLSYNC_BOOTSTRAP_API_KEY");
  bool from_env = env != nullptr && *env != '\0';
  SecretString key(from_env ? std::string(env) : api::generate_api_key());
  store::ApiKey info;
  info.id = "key_" + crypto::hex(crypto::random_bytes(8));
  info.tenant = std::string(store::kDefaultTenant);
  info.scopes = "read,write";
  info.created_at = SystemClock::instance().now();
  Status added = store.add_api_key(info, api::hash_api_key(key.reveal()));
  // Another API process sharing the store may have added the same key first.
  if (!added.ok() && !(from_env && added.error().is(Errc::kAlreadyExists))) return added;
  if (from_env) {
    spdlog::info("created the first API key from SKILLSYNC_BOOTSTRAP_API_KEY");
    return ok_status();
  }
  std::string path = config.data_dir + "/initial-api-key";
  if (!write_secret_file(path, key.reveal())) {
    return Error{"io_error", "cannot write " + path};
  }
  // Printed once, on purpose: this is how the operator learns the key.
  std::fprintf(stderr, "\nskillsync: created the first API key (also in %s):\n\n  %s\n\n",
               path.c_str(), key.reveal().c_str());
  return ok_status();
}

namespace {

std::string master_key_check(const std::string& key_bytes) {
  return crypto::hex(crypto::hmac_sha256(key_bytes, "skillsync master key check v1"));
}

}  // namespace

Status check_master_key(store::Store& store, const tasks::MasterKey& key,
                        const std::string& key_path) {
  const std::string check = master_key_check(key.bytes());
  SKILLSYNC_ASSIGN_OR_RETURN(auto stored, store.ensure_setting("master_key_check", check));
  // A rotation: the store knew the previous key; from now on it knows this one.
  for (const SecretString& previous : key.previous()) {
    if (stored != master_key_check(previous.reveal())) continue;
    SKILLSYNC_TRY(store.replace_setting("master_key_check", stored, check));
    spdlog::info("master key rotated: new tasks are sealed with {}", key_path);
    return ok_status();
  }
  if (stored != check) {
    return Error{"master_key_mismatch",
                 "the master key in " + key_path +
                     " is not the one this store's tasks are sealed with: every process "
                     "sharing a store needs the same --master-key-file"};
  }
  return ok_status();
}

}  // namespace skillsync::app
