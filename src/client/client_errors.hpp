// The client's own error codes, made and branched on only inside the CLI
// (never sent by a server): "usage", a mistake in the command line (exit
// 64), and "unreachable", a server that no attempt reached (exit 69).
// Made and tested through these functions, so that a typo does not compile.
#pragma once

#include <string>
#include <utility>

#include "common/result.hpp"

namespace skillsync::client {

inline Error usage_error(std::string message) { return Error{"usage", std::move(message)}; }
inline bool is_usage_error(const Error& e) { return e.code == "usage"; }

inline Error unreachable_error(std::string message) {
  return Error{"unreachable", std::move(message)};
}
inline bool is_unreachable(const Error& e) { return e.code == "unreachable"; }

}  // namespace skillsync::client
