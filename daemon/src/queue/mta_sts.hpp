// MTA-STS (RFC 8461) for the queue: finds a recipient domain's policy (the _mta-sts TXT
// record, then https://mta-sts.DOMAIN/.well-known/mta-sts.txt fetched with Beast over
// OpenSSL, the server's certificate verified for that name) and caches it for its max_age.
// A new record id triggers a fetch; a failed fetch or DNS lookup keeps an unexpired cached
// policy (RFC 8461 5.1), so an attacker who blocks the fetch cannot downgrade a known policy.
// Mail to our own domains' destination servers is not subject to it (admin policies are).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/dns.hpp"
#include "tls/mta_sts_policy.hpp"

namespace portcullis::queue {

class MtaSts {
 public:
  struct Options {
    uint16_t https_port = 443;             // tests point it elsewhere
    std::chrono::seconds timeout{20};      // the whole fetch
  };
  MtaSts(boost::asio::any_io_executor ex, net::Resolver& resolver, std::shared_ptr<boost::asio::ssl::context> tls,
         Options options);
  // The policy in force for mail to `domain`, or nullopt (none). Never throws; logs fetch
  // failures (mta_sts_fetch_failed) and new policies (mta_sts_policy).
  boost::asio::awaitable<std::optional<tls::StsPolicy>> policy_for(std::string domain);

 private:
  // The policy file over HTTPS: its parse, or an error.
  boost::asio::awaitable<tls::StsParse> fetch(std::string domain);

  struct Cached {
    std::string id;
    tls::StsPolicy policy;
    std::chrono::system_clock::time_point expires;
  };
  boost::asio::any_io_executor ex_;
  net::Resolver& resolver_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  Options options_;
  std::map<std::string, Cached> cache_;
};

}  // namespace portcullis::queue
