// The files of a load: opening the task's source, reading one file, and the
// state a checkpoint keeps. See load_files.hpp.
#include "tasks/load_files.hpp"

#include <boost/json.hpp>

namespace skillsync::tasks::internal {
namespace json = boost::json;

Result<std::unique_ptr<LoadSource>> LoadSource::make(const store::Task& task, const MasterKey& key,
                                                     ObjectOpener& opener,
                                                     std::vector<store::TaskObject> objects) {
  std::unique_ptr<LoadSource> source(new LoadSource(task, opener));
  if (task.method == kMethodS3PresignedUrl) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto url, open_presigned_url(key, task.id, task.sealed_credentials));
    source->kind_ = Kind::kPresigned;
    source->spec_ = source::presigned_source(std::move(url));
    source->files_.push_back({});
    return source;
  }
  SKILLSYNC_ASSIGN_OR_RETURN(auto creds, open_credentials(key, task.id, task.sealed_credentials));
  SKILLSYNC_ASSIGN_OR_RETURN(source->spec_,
                             source::s3_source(task.uri, task.region, std::move(creds)));
  if (!objects.empty()) {
    // The check's list, in its order: opened by key in the uri's bucket.
    source->kind_ = Kind::kPrefix;
    for (auto& o : objects) source->files_.push_back({std::move(o.key), o.size, std::move(o.etag)});
    return source;
  }
  if (!source->spec_.is_prefix()) {
    source->files_.push_back({});
    return source;
  }
  source->kind_ = Kind::kPrefix;
  SKILLSYNC_ASSIGN_OR_RETURN(auto listed, opener.list(source->spec_));
  for (auto& object : listed) {
    // The opener skips folder markers; a fake or another store may not.
    if (object.size == 0 && object.key.ends_with('/')) continue;
    source->files_.push_back({std::move(object.key), object.size, std::move(object.etag)});
  }
  if (source->files_.empty()) {
    return Error{"no_objects", "there is no object under the prefix " + task.uri};
  }
  return source;
}

std::optional<size_t> LoadSource::find(std::string_view key) const {
  for (size_t i = 0; i < files_.size(); ++i) {
    if (files_[i].key == key) return i;
  }
  return std::nullopt;
}

uint64_t LoadSource::listed_bytes() const {
  uint64_t total = 0;
  for (const auto& f : files_) total += f.size;
  return total;
}

Result<ObjectOpener::Opened> LoadSource::open(size_t index, uint64_t offset, std::string_view etag,
                                              const CancellationToken& cancel) {
  const SourceFile& file = files_.at(index);
  Result<ObjectOpener::Opened> opened = Error{};
  switch (kind_) {
    case Kind::kObject:
      opened = opener_.open(spec_, offset, cancel);
      break;
    case Kind::kPrefix:
      opened = opener_.open_key(spec_, file.key, offset, etag, cancel);
      break;
    case Kind::kPresigned:
      opened = opener_.open_presigned(spec_, offset, etag, cancel);
      break;
  }
  if (!opened.ok()) return opened;
  // Also for openers that cannot send If-Match: never mix two versions.
  if (!etag.empty() && !opened->etag.empty() && opened->etag != etag) {
    const std::string name = file.key.empty() ? task_.uri : file.key;
    return Error{"object_changed", name + " changed since the load started (its ETag is " +
                                       opened->etag + ", was " + std::string(etag) + ")"};
  }
  return opened;
}

FileReader::FileReader(ObjectOpener::Opened opened, const LoadOptions& options,
                       std::optional<csv::Position> resume_at)
    : opened_(std::move(opened)),
      resuming_(resume_at.has_value()),
      utf8_(options.encoding == csv::Encoding::kUtf8),
      decompressed_(*opened_.reader),
      transcoded_(resuming_ || utf8_
                      ? nullptr
                      : std::make_unique<csv::EncodingReader>(decompressed_, options.encoding)),
      records_(input(), options.dialect(), resume_at.value_or(csv::Position{})) {}

ByteReader& FileReader::input() {
  if (resuming_) return *opened_.reader;
  if (transcoded_) return *transcoded_;
  return decompressed_;
}

uint64_t FileReader::raw_bytes_read() const {
  return resuming_ ? records_.bytes_consumed() : decompressed_.compressed_bytes_consumed();
}

bool FileReader::resumable() const {
  return resuming_ || (decompressed_.format() == decompress::Format::kNone && utf8_);
}

Result<std::vector<std::string>> FileReader::read_header(std::string_view file) {
  const std::string in = file.empty() ? "" : "file " + std::string(file) + ": ";
  SKILLSYNC_ASSIGN_OR_RETURN(const auto first, records_.next());
  if (first == csv::RecordReader::Item::kEnd) {
    return Error{"empty_file", in + "the file is empty: expected a header row"};
  }
  if (first == csv::RecordReader::Item::kError) {
    const auto& e = records_.error();
    return Error{"invalid_header", in + "line " + std::to_string(e.line) + ": " + e.message};
  }
  const auto& fields = records_.record().fields;
  return std::vector<std::string>(fields.begin(), fields.end());
}

std::string to_json(const ResumeState& s) {
  json::object o{{"resumable", s.resumable}, {"after_cr", s.after_cr}};
  if (!s.file.empty()) o["file"] = s.file;
  if (!s.etag.empty()) o["etag"] = s.etag;
  return json::serialize(o);
}

ResumeState resume_state_from_json(std::string_view text) {
  ResumeState s;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return s;
  const auto& o = v.get_object();
  if (auto* r = o.if_contains("resumable"); r && r->is_bool()) s.resumable = r->get_bool();
  if (auto* r = o.if_contains("after_cr"); r && r->is_bool()) s.after_cr = r->get_bool();
  if (auto* r = o.if_contains("file"); r && r->is_string()) s.file = r->get_string();
  if (auto* r = o.if_contains("etag"); r && r->is_string()) s.etag = r->get_string();
  return s;
}

std::string header_to_json(const std::vector<std::string>& names) {
  json::array a;
  for (const auto& n : names) a.emplace_back(n);
  return json::serialize(a);
}

std::optional<std::vector<std::string>> header_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return std::nullopt;
    out.emplace_back(e.get_string());
  }
  return out;
}

std::optional<std::string> header_difference(const std::vector<std::string>& expected,
                                             const std::vector<std::string>& got) {
  constexpr size_t kMaxName = 100;
  auto quoted = [](const std::string& name) {
    return "'" + (name.size() > kMaxName ? name.substr(0, kMaxName) + "..." : name) + "'";
  };
  const size_t common = std::min(expected.size(), got.size());
  for (size_t i = 0; i < common; ++i) {
    if (expected[i] != got[i]) {
      return "column " + std::to_string(i + 1) + " is " + quoted(got[i]) + ", expected " +
             quoted(expected[i]);
    }
  }
  if (got.size() > expected.size()) {
    return "it has " + std::to_string(got.size()) + " columns, expected " +
           std::to_string(expected.size()) + " (extra column " + quoted(got[common]) + ")";
  }
  if (got.size() < expected.size()) {
    return "it has " + std::to_string(got.size()) + " columns, expected " +
           std::to_string(expected.size()) + " (missing column " + quoted(expected[common]) + ")";
  }
  return std::nullopt;
}

}  // namespace skillsync::tasks::internal
