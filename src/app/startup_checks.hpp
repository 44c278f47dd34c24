// Start-up checks of `serve` and `worker` that refuse an unsafe set-up or
// adjust it to the machine, each with a clear message:
// - a bootstrap API key must be guessable only by brute force over a large
//   space: at least kMinBootstrapKeyLength characters, kMinDistinctChars of
//   them different;
// - the open-file limit is raised (soft up to hard), and the connection cap
//   kept below it, so that a flood of connections cannot run the process
//   out of file descriptors that the store, the workers and S3 need.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.hpp"

namespace skillsync::app {

constexpr size_t kMinBootstrapKeyLength = 16;
constexpr size_t kMinDistinctChars = 5;

// An error (with the reason) when `key` is too short or of too low variety.
Status check_bootstrap_key(std::string_view key);

// File descriptors kept for everything but client connections: the store,
// logs, workers and their S3 connections, accepting over the cap.
size_t file_reserve(int workers);

// The connection cap that fits `file_limit` (the soft RLIMIT_NOFILE):
// `requested`, or less when it would leave fewer than file_reserve(workers)
// descriptors for the rest (never below 1).
size_t connection_cap(size_t requested, size_t file_limit, int workers);

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit
// in force afterwards.
size_t raise_file_limit();

}  // namespace skillsync::app
