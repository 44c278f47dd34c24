// The keys a process sets up in its store at start:
// - the master key's check value: every process sharing a store must seal
//   and open credentials with the same master key; a process started with
//   another key would fail every task it runs (or seal tasks no other
//   process can open). The store keeps a check value of the first key it
//   saw (an HMAC, which says nothing about the key); a process with another
//   key refuses to start ("master_key_mismatch"), one with the rotation's
//   new key replaces it;
// - the first API key, on the first start of an API process: from
//   SKILLSYNC_BOOTSTRAP_API_KEY, or made at random, written (mode 0600) to
//   <data-dir>/initial-api-key and printed once on stderr.
#pragma once

#include <string>

#include "app/serve.hpp"
#include "common/result.hpp"
#include "store/store.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::app {

// Checks `key` (read from `key_path`) against the store's check value,
// recording it on first use or after a rotation.
Status check_master_key(store::Store& store, const tasks::MasterKey& key,
                        const std::string& key_path);

// Creates the first API key when the store has none.
Status bootstrap_api_key(store::Store& store, const ServeConfig& config);

}  // namespace skillsync::app
