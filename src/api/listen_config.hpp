// What HttpServer::bind() reads from its configuration before it listens:
// the --listen address and the TLS context. Both fail with a message that
// names the option.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace skillsync::api {

// "host:port" or "[v6]:port" -> endpoint. Error code "invalid_listen".
Result<boost::asio::ip::tcp::endpoint> parse_listen(const std::string& listen);

// An HTTPS context (TLS 1.2 and later) with the certificate chain and key,
// or nullopt when both are empty. Error code "invalid_tls".
Result<std::optional<boost::asio::ssl::context>> load_tls(const std::string& cert_file,
                                                          const std::string& key_file);

}  // namespace skillsync::api
