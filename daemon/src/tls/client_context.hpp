// The outbound TLS context: TLS 1.2 or newer, the system's trust store loaded (for the
// verifying policies to come); the opportunistic use does not check the peer (RFC 7435).
#pragma once
#include <boost/asio/ssl/context.hpp>
#include <memory>

namespace portcullis::tls {

std::shared_ptr<boost::asio::ssl::context> make_client_context();

}  // namespace portcullis::tls
