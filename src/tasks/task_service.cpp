// Creating and reading tasks; sealing credentials at rest.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/crypto.hpp"
#include "tasks/tasks.hpp"

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
// Opens a blob sealed with the key or, after a rotation, a previous one.
Result<std::string> open_with_any(const MasterKey& key, std::string_view sealed,
                                  std::string_view task_id) {
  auto plain = crypto::aes256gcm_open(key.bytes(), sealed, task_id);
  for (size_t i = 0; !plain.ok() && i < key.previous().size(); ++i) {
    plain = crypto::aes256gcm_open(key.previous()[i].reveal(), sealed, task_id);
  }
  return plain;
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
  auto data = read_file(path);
  if (!data.ok()) return data.error();
  if (data->size() != kMasterKeyBytes) {
    return Error{"bad_master_key", "master key file " + path + " must hold exactly 32 bytes"};
  }
  return MasterKey(SecretString(std::move(*data)));
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
  std::string plain = json::serialize(o);
  std::string sealed = crypto::aes256gcm_seal(key.bytes(), plain, task_id);
  secure_wipe(plain);
  return sealed;
}

Result<source::s3::Credentials> open_credentials(const MasterKey& key, std::string_view task_id,
                                                 std::string_view sealed) {
  if (sealed.empty()) return Error{"credentials_erased", "the task's credentials were erased"};
  auto plain = open_with_any(key, sealed, task_id);
  if (!plain.ok()) {
    return Error{"credentials_unreadable",
                 "the task's credentials cannot be decrypted with this master key"};
  }
  SecretString holder(std::move(*plain));
  boost::system::error_code ec;
  json::value v = json::parse(holder.reveal(), ec);
  if (ec || !v.is_object()) return Error{"credentials_unreadable", "sealed credentials corrupt"};
  source::s3::Credentials creds;
  const auto& o = v.get_object();
  if (auto* p = o.if_contains("aws_access_key_id"); p && p->is_string()) {
    creds.access_key_id = std::string(p->get_string());
  }
  if (auto* p = o.if_contains("aws_secret_access_key"); p && p->is_string()) {
    creds.secret_access_key = SecretString(std::string(p->get_string()));
  }
  if (auto* p = o.if_contains("aws_session_token"); p && p->is_string()) {
    creds.session_token = SecretString(std::string(p->get_string()));
  }
  return creds;
}

std::string seal_presigned_url(const MasterKey& key, std::string_view task_id,
                               const SecretString& url) {
  std::string plain = json::serialize(json::object{{"presigned_url", url.reveal()}});
  std::string sealed = crypto::aes256gcm_seal(key.bytes(), plain, task_id);
  secure_wipe(plain);
  return sealed;
}

Result<SecretString> open_presigned_url(const MasterKey& key, std::string_view task_id,
                                        std::string_view sealed) {
  if (sealed.empty()) return Error{"credentials_erased", "the task's presigned URL was erased"};
  auto plain = open_with_any(key, sealed, task_id);
  if (!plain.ok()) {
    return Error{"credentials_unreadable",
                 "the task's presigned URL cannot be decrypted with this master key"};
  }
  SecretString holder(std::move(*plain));
  boost::system::error_code ec;
  json::value v = json::parse(holder.reveal(), ec);
  const json::value* url =
      (ec || !v.is_object()) ? nullptr : v.get_object().if_contains("presigned_url");
  if (url == nullptr || !url->is_string() || url->get_string().empty()) {
    return Error{"credentials_unreadable", "the task's sealed presigned URL is corrupt"};
  }
  SecretString out(std::string(url->get_string()));
  // The parsed copy held the URL too.
  auto& s = v.get_object()["presigned_url"].get_string();
  std::fill(s.begin(), s.end(), '\0');
  return out;
}

AccessCheck make_s3_access_check(source::s3::ClientConfig config) {
  constexpr std::chrono::milliseconds kMaxHeadTimeout{5000};
  config.head_timeout = std::min(config.head_timeout, kMaxHeadTimeout);
  // A listing is bounded by retry_deadline: give it the same short limit.
  config.retry_deadline = config.head_timeout;
  config.connect_timeout = std::min(config.connect_timeout, config.head_timeout);
  return [config = std::move(config)](const CreateTaskRequest& request) -> Status {
    namespace s3 = source::s3;
    if (request.method == kMethodS3PresignedUrl) {
      auto url = s3::parse_presigned_url(request.presigned_url.reveal(), config);
      if (!url.ok()) return url.error();
      if (!request.options.validate_access) return ok_status();
      s3::S3Client client(config, s3::Credentials{});
      auto info = client.head_presigned(*url);
      if (!info.ok()) return info.error();
      return ok_status();
    }
    if (!request.options.validate_access) return ok_status();
    auto uri = s3::parse_s3_uri(request.uri);
    if (!uri.ok()) return uri.error();
    s3::ClientConfig c = config;
    if (!request.region.empty()) c.region = request.region;
    s3::S3Client client(std::move(c), request.credentials);
    if (s3::is_prefix(*uri)) {
      s3::ListOptions one;
      one.page_size = 1;
      one.max_pages = 1;
      auto listed = client.list_objects(uri->bucket, uri->key, one);
      if (!listed.ok()) return listed.error();
      return ok_status();
    }
    auto info = client.head_object(*uri);
    if (!info.ok()) return info.error();
    return ok_status();
  };
}

Result<store::Task> TaskService::create(std::string_view tenant, CreateTaskRequest request) {
  auto created = create(tenant, std::move(request), CreateOptions{});
  if (!created.ok()) return created.error();
  return std::move(created->task);
}

Result<store::CreatedTask> TaskService::create(std::string_view tenant, CreateTaskRequest request,
                                               const CreateOptions& options) {
  const bool presigned = request.method == kMethodS3PresignedUrl;
  if (access_check_ && (request.options.validate_access || presigned)) {
    Status access = access_check_(request);
    if (!access.ok()) {
      if (options.access_error != nullptr) *options.access_error = access.error();
      return Error{"access_check_failed",
                   "the credentials cannot read " + request.uri + ": " + access.error().message};
    }
  }
  store::Task task;
  task.id = "flt_" + crypto::hex(crypto::random_bytes(12));
  task.tenant = std::string(tenant);
  task.trace_id = options.trace_id;
  task.entity_type = std::move(request.entity_type);
  task.method = std::move(request.method);
  task.uri = std::move(request.uri);
  task.region = std::move(request.region);
  task.options_json = to_json(request.options);
  // The URL of a presigned task is its secret: request.uri is already the
  // redacted form.
  task.sealed_credentials = presigned ? seal_presigned_url(key_, task.id, request.presigned_url)
                                      : seal_credentials(key_, task.id, request.credentials);
  task.status = store::TaskStatus::kPending;
  task.created_at = clock_.now();
  store::CreatedTask out;
  if (options.idempotency_key.empty()) {
    SKILLSYNC_TRY(store_.create_task(task));
    out.task = std::move(task);
    out.created = true;
  } else {
    auto stored = store_.create_task_idempotent(task, options.idempotency_key, options.body_sha256,
                                                task.created_at);
    if (!stored.ok()) return stored.error();
    out = std::move(*stored);
  }
  out.task.sealed_credentials.clear();
  return out;
}

Result<std::optional<store::Task>> TaskService::get(std::string_view tenant,
                                                    std::string_view task_id) {
  auto task = store_.get_task(tenant, task_id);
  if (task.ok() && task->has_value()) (*task)->sealed_credentials.clear();
  return task;
}

}  // namespace skillsync::tasks
