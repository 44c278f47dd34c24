// Fake sources for the tasks tests, at the ObjectOpener boundary: FakeOpener
// serves one object from a string (and can drop the connection part way,
// or fail the open); FakeBucket serves a prefix of objects with ETags.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "common/string_byte_reader.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks {

// A string that drops the connection once `fail_after` bytes are served,
// and reports how far it got.
class FlakyReader : public StringByteReader {
 public:
  FlakyReader(std::string data, size_t fail_after)
      : StringByteReader(std::move(data)), fail_after_(fail_after) {}
  Result<size_t> read(std::span<char> buf) override {
    if (position() >= fail_after_) return Error{"connection_failed", "connection reset by peer"};
    auto n = StringByteReader::read(buf.first(std::min(buf.size(), fail_after_ - position())));
    if (on_bytes) on_bytes(position());
    return n;
  }
  std::function<void(size_t)> on_bytes;  // called with the bytes read so far

 private:
  size_t fail_after_;
};

class FakeOpener : public ObjectOpener {
 public:
  std::string content;
  size_t fail_after = std::string::npos;
  std::optional<Error> open_error;
  std::string seen_secret;

  Result<Opened> open(const source::SourceSpec& spec, uint64_t offset,
                      const CancellationToken&) override {
    seen_secret = spec.credentials.secret_access_key.reveal();
    seen_offsets.push_back(offset);
    if (open_error) return *open_error;
    auto reader = std::make_unique<FlakyReader>(content.substr(offset), fail_after);
    reader->on_bytes = on_bytes;
    return Opened{std::move(reader), content.size(), ""};
  }
  std::vector<uint64_t> seen_offsets;
  std::function<void(size_t)> on_bytes;
};

// Small reads, so that a stop can land in the middle of a file; `on_read`
// runs after each.
class BytesReader : public StringByteReader {
 public:
  BytesReader(std::string data, std::function<void()> on_read)
      : StringByteReader(std::move(data), 64), on_read_(std::move(on_read)) {}
  Result<size_t> read(std::span<char> buf) override {
    auto n = StringByteReader::read(buf);
    if (on_read_) on_read_();
    return n;
  }

 private:
  std::function<void()> on_read_;
};

// A bucket: key -> content, listed in key order with zero-byte keys ending
// in '/' included (as S3 lists them; the pipeline must skip them).
class FakeBucket : public ObjectOpener {
 public:
  std::map<std::string, std::string> objects;
  std::vector<std::string> opens;  // "key@offset if_match"
  std::function<void(const std::string& key)> on_read;

  static std::string etag_of(const std::string& content) {
    return "\"" + crypto::sha256_hex(content).substr(0, 16) + "\"";
  }

  Result<Opened> open(const source::SourceSpec&, uint64_t, const CancellationToken&) override {
    return Error{"unexpected", "a prefix load opens objects by key"};
  }
  Result<std::vector<source::s3::ListedObject>> list(const source::SourceSpec& spec) override {
    EXPECT_EQ(spec.credentials.secret_access_key.reveal(), "s3cr3t-value");
    std::vector<source::s3::ListedObject> out;
    for (const auto& [key, content] : objects) {
      if (key.starts_with(spec.location.key))
        out.push_back({key, content.size(), etag_of(content), ""});
    }
    return out;
  }
  Result<Opened> open_key(const source::SourceSpec&, const std::string& key, uint64_t offset,
                          std::string_view if_match, const CancellationToken&) override {
    opens.push_back(key + "@" + std::to_string(offset) + " " + std::string(if_match));
    auto it = objects.find(key);
    if (it == objects.end()) return Error{"NoSuchKey", "no such key " + key};
    const std::string etag = etag_of(it->second);
    if (!if_match.empty() && if_match != etag) return Error{"object_changed", key + " changed"};
    auto reader = std::make_unique<BytesReader>(it->second.substr(offset), [this, key] {
      if (on_read) on_read(key);
    });
    return Opened{std::move(reader), it->second.size(), etag};
  }
};

}  // namespace skillsync::tasks
