// ARC chain validation (RFC 8617 5.2) of an incoming message, shaped like the DKIM Verifier:
// feed() the message (header and body, CRLF lines) in chunks while it arrives (the AMS body
// hashes are computed on the fly, nothing of the body is kept), then finish() fetches the key
// records of the newest AMS, of every AS and of the older AMSs (for oldest-pass) through
// DnsSource::txt, in parallel, each name once, and decides (validate_core.hpp has the steps).
//
// Bound the time by handing finish() a net::DeadlineDns: a lookup that times out makes the
// chain fail with `temporary` set (and the Sealer then does not seal). One Validator per
// message; finish() once.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <ctime>
#include <string_view>

#include "checks/arc/result.hpp"
#include "checks/arc/validate_core.hpp"
#include "net/dns_source.hpp"

namespace portcullis::checks::arc {

class Validator {
 public:
  explicit Validator(Limits limits = {}) : core_(limits) {}

  // The whole message, headers and body, in any chunking, as it arrives.
  void feed(std::string_view chunk) { core_.feed(chunk); }
  // After the last chunk: the chain's result (cv none when the message has no ARC field).
  boost::asio::awaitable<ChainResult> finish(net::DnsSource& dns, std::time_t now);

 private:
  ValidationCore core_;
};

}  // namespace portcullis::checks::arc
