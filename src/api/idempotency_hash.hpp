// The fingerprint an Idempotency-Key is stored with: what tells a retry of a
// task request from another request. It is the SHA-256 (hex) of a canonical
// form of the parsed body, so that formatting and member order do not
// matter, and it leaves every secret out, so that nothing derived from a
// secret outlives the task:
//   - credentials.aws_secret_access_key and credentials.aws_session_token;
//   - the query string of a presigned URL (its signature), keeping its
//     scheme, host and path.
// Canonical form: JSON with object members sorted by name (byte order),
// no whitespace, strings and numbers as Boost.JSON serialises them.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace skillsync::api {

std::string idempotency_hash(const boost::json::value& body);

// The canonical form itself, secrets left out (for tests).
std::string idempotency_canonical_form(const boost::json::value& body);

}  // namespace skillsync::api
