// Errc: the error codes some caller branches on, as an enum a typo cannot
// slip past (`e.is(Errc::kLeaseLost)`, never `e.code == "lease_lost"`).
//
// Contract: each enumerator names exactly one stable snake_case code string
// (errc_name), the one users see in JSON answers, logs and docs/errors.md;
// the strings never change. Codes nobody branches on (row errors, S3 error
// codes passed through) stay plain strings in Error::code.
#pragma once

#include <string_view>

namespace skillsync {

enum class Errc {
  kNotFound,               // the addressed thing does not exist (for this tenant)
  kAlreadyExists,          // a create met an existing name or id
  kInvalidState,           // the thing exists but its state forbids the operation
  kInvalidCursor,          // a list cursor that this server did not issue
  kInvalidFields,          // a request body with field-level problems
  kIdempotencyConflict,    // an Idempotency-Key reused with another body
  kAccessCheckFailed,      // validate_access could not read the object
  kLeaseLost,              // another worker owns the task now
  kCancelled,              // the task was cancelled while it ran
  kInvalidClient,          // OAuth client unknown or wrong secret
  kConnectionFailed,       // S3: the TCP/TLS connection failed
  kTimeout,                // an outbound request ran out of time
  kConnectFailed,          // webhook delivery: no TCP connection
  kTlsFailed,              // webhook delivery: TLS handshake failed
  kSendFailed,             // webhook delivery: the request could not be sent
  kResolveFailed,          // webhook delivery: the host name did not resolve
  kCredentialsUnreadable,  // sealed credentials that the master key cannot open
  kCredentialsErased,      // credentials erased when the task ended
  kInvalidToken,           // an OAuth access token that is malformed or badly signed
  kExpiredToken,           // an OAuth access token past its expiry
  kRevokedClient,          // an OAuth access token of a revoked client
  kStorageBusy,            // the store is busy (lock, deadlock, pool exhausted): retry
};

// The stable code string of `c` ("not_found", "lease_lost", ...).
constexpr std::string_view errc_name(Errc c) {
  switch (c) {
    case Errc::kNotFound:
      return "not_found";
    case Errc::kAlreadyExists:
      return "already_exists";
    case Errc::kInvalidState:
      return "invalid_state";
    case Errc::kInvalidCursor:
      return "invalid_cursor";
    case Errc::kInvalidFields:
      return "invalid_fields";
    case Errc::kIdempotencyConflict:
      return "idempotency_conflict";
    case Errc::kAccessCheckFailed:
      return "access_check_failed";
    case Errc::kLeaseLost:
      return "lease_lost";
    case Errc::kCancelled:
      return "cancelled";
    case Errc::kInvalidClient:
      return "invalid_client";
    case Errc::kConnectionFailed:
      return "connection_failed";
    case Errc::kTimeout:
      return "timeout";
    case Errc::kConnectFailed:
      return "connect_failed";
    case Errc::kTlsFailed:
      return "tls_failed";
    case Errc::kSendFailed:
      return "send_failed";
    case Errc::kResolveFailed:
      return "resolve_failed";
    case Errc::kCredentialsUnreadable:
      return "credentials_unreadable";
    case Errc::kCredentialsErased:
      return "credentials_erased";
    case Errc::kInvalidToken:
      return "invalid_token";
    case Errc::kExpiredToken:
      return "expired_token";
    case Errc::kRevokedClient:
      return "revoked_client";
    case Errc::kStorageBusy:
      return "storage_busy";
  }
  return "internal";
}

}  // namespace skillsync
