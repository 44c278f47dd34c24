// parse_listen and load_tls: see listen_config.hpp.
#include "api/listen_config.hpp"

#include <boost/asio/ip/address.hpp>

namespace skillsync::api {
namespace ssl = boost::asio::ssl;

Result<boost::asio::ip::tcp::endpoint> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Error{"invalid_listen", "--listen must be host:port, got '" + listen + "'"};
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    port = 70000;
  }
  if (port > 65535) return Error{"invalid_listen", "invalid port in --listen '" + listen + "'"};
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return Error{"invalid_listen", "invalid address in --listen '" + listen + "'"};
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

Result<std::optional<ssl::context>> load_tls(const std::string& cert_file,
                                             const std::string& key_file) {
  if (cert_file.empty() != key_file.empty()) {
    return Error{"invalid_tls", "--tls-cert and --tls-key go together"};
  }
  std::optional<ssl::context> tls;
  if (cert_file.empty()) return tls;
  tls.emplace(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(cert_file, ec);
  if (!ec) tls->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Error{"invalid_tls", "cannot load the TLS certificate or key: " + ec.message()};
  return tls;
}

}  // namespace skillsync::api
