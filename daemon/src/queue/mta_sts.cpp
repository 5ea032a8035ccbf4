#include "queue/mta_sts.hpp"
#include "core/text.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "core/log.hpp"

namespace portcullis::queue {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

MtaSts::MtaSts(asio::any_io_executor ex, net::Resolver& resolver, std::shared_ptr<asio::ssl::context> tls,
               Options options)
    : ex_(std::move(ex)), resolver_(resolver), tls_(std::move(tls)), options_(options) {}

asio::awaitable<tls::StsParse> MtaSts::fetch(std::string domain) {
  tls::StsParse out;
  const std::string host = "mta-sts." + domain;
  const auto addrs = co_await resolver_.addresses(host);
  if (addrs.status != net::DnsStatus::ok || addrs.addresses.empty()) {
    out.error = "no address for " + host;
    co_return out;
  }
  asio::ssl::stream<beast::tcp_stream> stream(ex_, *tls_);
  SSL* ssl = stream.native_handle();
  // The policy host must prove its name with a certificate a trusted CA issued (RFC 8461 3.3).
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(options_.timeout);
  boost::system::error_code ec;
  for (const auto& a : addrs.addresses) {
    ec.clear();
    co_await tcp.async_connect(asio::ip::tcp::endpoint(a, options_.https_port),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) break;
  }
  if (ec) {
    out.error = "connect to " + host + ": " + ec.message();
    co_return out;
  }
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const long verify = SSL_get_verify_result(ssl);
    out.error = "TLS with " + host + ": " +
                (verify != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(verify) : ec.message());
    co_return out;
  }
  http::request<http::empty_body> req{http::verb::get, "/.well-known/mta-sts.txt", 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "Portcullis");
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(tls::max_sts_policy_size);
  if (!ec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = "HTTPS from " + host + ": " + ec.message();
    co_return out;
  }
  const auto& res = parser.get();
  if (res.result() != http::status::ok) {  // redirects are not followed (RFC 8461 3.3)
    out.error = "HTTPS from " + host + ": status " + std::to_string(res.result_int());
    co_return out;
  }
  const auto type = res[http::field::content_type];
  if (type.substr(0, 10) != "text/plain") {
    out.error = "HTTPS from " + host + ": content type is not text/plain";
    co_return out;
  }
  co_return tls::parse_sts_policy(res.body());
}

asio::awaitable<std::optional<tls::StsPolicy>> MtaSts::policy_for(std::string domain) {
  // A copy of the cached entry: other deliveries may change the cache while this one waits.
  std::optional<Cached> cached;
  if (const auto it = cache_.find(domain); it != cache_.end()) {
    if (it->second.expires > std::chrono::system_clock::now()) {
      cached = it->second;
    } else {
      cache_.erase(it);
    }
  }
  const auto keep = [&cached]() -> std::optional<tls::StsPolicy> {
    if (!cached) return std::nullopt;
    return cached->policy;
  };
  const auto txt = co_await resolver_.txt("_mta-sts." + domain);
  if (txt.status != net::DnsStatus::ok) co_return keep();  // no record now: a known policy stays
  const auto record = tls::choose_sts_record(txt.records);
  if (!record) co_return keep();
  if (cached && cached->id == record->id) co_return keep();
  const tls::StsParse parsed = co_await fetch(domain);
  if (!parsed.policy) {
    log::warn("mta_sts_fetch_failed", {{"domain", domain}, {"id", record->id}, {"error", parsed.error},
                                       {"kept", cached ? cached->id : std::string("none")}});
    co_return keep();
  }
  const auto& p = *parsed.policy;
  log::info("mta_sts_policy", {{"domain", domain}, {"id", record->id},
                               {"mode", p.mode == tls::StsMode::enforce ? "enforce"
                                        : p.mode == tls::StsMode::testing ? "testing" : "none"},
                               {"mx", core::join(p.mx, ",")}, {"max_age", std::to_string(p.max_age)}});
  cache_[domain] = Cached{record->id, p, std::chrono::system_clock::now() + std::chrono::seconds(p.max_age)};
  co_return p;
}

}  // namespace portcullis::queue
