// SecretString: holds a credential (AWS secret key, session token, API key).
//
// It cannot be streamed or formatted, so a secret cannot reach a log line by
// accident, and its bytes are wiped when it is destroyed or reassigned.
// Code that must use the value calls reveal() at the point of use.
#pragma once

#include <string>
#include <string_view>

namespace skillsync {

// Overwrites the bytes of `s` in a way the optimiser may not remove.
void secure_wipe(std::string& s);

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
    secure_wipe(other.value_);
  }
  SecretString& operator=(const SecretString& other) {
    if (this != &other) {
      secure_wipe(value_);
      value_ = other.value_;
    }
    return *this;
  }
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      secure_wipe(value_);
      value_ = std::move(other.value_);
      secure_wipe(other.value_);
    }
    return *this;
  }
  ~SecretString() { secure_wipe(value_); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }
  bool operator==(const SecretString& o) const { return value_ == o.value_; }

 private:
  std::string value_;
};

}  // namespace skillsync
