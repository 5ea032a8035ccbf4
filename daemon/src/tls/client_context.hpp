// The outbound TLS context: TLS 1.2 or newer, the system's trust store plus `extra_ca_file`
// (a private CA for partners' or the organisation's servers; may be empty) for the verify
// policy. Whether a connection checks the peer is decided per connection (smtp::ClientTls).
#pragma once
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>

namespace portcullis::tls {

std::shared_ptr<boost::asio::ssl::context> make_client_context(const std::filesystem::path& extra_ca_file = {});

}  // namespace portcullis::tls
