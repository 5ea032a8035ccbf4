// checks/reputation/helo.hpp: HELO syntax, claims and forward confirmation.
#include "checks/reputation/helo.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/gather.hpp"
#include "checks/reputation/client_key.hpp"
#include "net/dns.hpp"
#include "policy/names.hpp"

namespace portcullis::checks::reputation {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kInvalidReply = "501 5.5.2 Helo command rejected: invalid host name";
constexpr std::string_view kNeedFqdnReply = "504 5.5.2 Helo command rejected: need fully-qualified hostname";
constexpr std::string_view kNotUsReply = "550 5.7.1 Helo command rejected: you are not me";
constexpr std::string_view kLiteralReply = "550 5.7.1 Helo command rejected: the address literal is not your address";
constexpr std::string_view kUnknownReply = "550 5.7.1 Helo command rejected: host name not found";
constexpr std::string_view kNotYoursReply =
    "550 5.7.1 Helo command rejected: host name does not resolve to your address";

// The client's HELO for the log: printable ASCII, cut.
std::string shown(std::string_view helo) {
  constexpr std::size_t kMax = 80;
  std::string out;
  for (const char c : helo.substr(0, kMax)) out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  if (helo.size() > kMax) out += "...";
  return out;
}

void add(HeloOutcome& out, const char* name, const Rule& rule, std::string_view reply, std::string detail) {
  out.symbols.push_back({name, rule.score, std::move(detail)});
  out.score += rule.score;
  if (rule.reject && !out.reject) {
    out.reject = true;
    out.reply = std::string(reply);
  }
}

bool is_localhost(const std::string& name) {  // lower-cased
  return name == "localhost" || name == "localhost.localdomain" ||
         (name.size() > 10 && name.compare(name.size() - 10, 10, ".localhost") == 0);
}

bool ours(const asio::ip::address& ip, const HeloSettings& s) {
  return std::any_of(s.our_addresses.begin(), s.our_addresses.end(),
                     [&](const asio::ip::address& a) { return unmapped(a) == ip; });
}

bool our_name(const std::string& name, const HeloSettings& s) {  // name lower-cased
  return std::any_of(s.our_names.begin(), s.our_names.end(), [&](const std::string& n) {
    std::string_view ours_text = n;
    if (!ours_text.empty() && ours_text.back() == '.') ours_text.remove_suffix(1);
    return policy::lower_ascii(ours_text) == name;
  });
}

// The HELO as a host name to look up: nullopt for address literals and bare addresses.
std::optional<std::string> host_name(std::string_view helo) {
  if (helo.empty() || helo.front() == '[' || helo.back() == ']' || net::parse_ip_literal(helo)) return std::nullopt;
  if (helo.back() == '.') helo.remove_suffix(1);
  return policy::lower_ascii(helo);
}

}  // namespace

HeloOutcome check_helo_syntax(std::string_view helo, const asio::ip::address& client, const HeloSettings& settings) {
  HeloOutcome out;
  const auto ip = unmapped(client);
  const bool client_is_us = ours(ip, settings);
  if (helo.empty()) {
    add(out, "HELO_SYNTAX", settings.syntax, kInvalidReply, "empty HELO");
    return out;
  }
  if (helo.front() == '[' || helo.back() == ']') {
    const auto literal = net::parse_ip_literal(helo);
    if (!literal || helo.front() != '[') {
      add(out, "HELO_SYNTAX", settings.syntax, kInvalidReply, "invalid address literal " + shown(helo));
    } else if (const auto claimed = unmapped(*literal); ours(claimed, settings) && !client_is_us) {
      add(out, "HELO_IS_US", settings.is_us, kNotUsReply, "our address " + shown(helo) + " from " + ip.to_string());
    } else if (claimed != ip) {
      add(out, "HELO_LITERAL_MISMATCH", settings.literal_mismatch, kLiteralReply,
          shown(helo) + " from " + ip.to_string());
    }
    return out;
  }
  if (const auto bare = net::parse_ip_literal(helo)) {
    add(out, "HELO_BARE_IP", settings.bare_ip, kNeedFqdnReply, "address without brackets " + shown(helo));
    if (ours(unmapped(*bare), settings) && !client_is_us)
      add(out, "HELO_IS_US", settings.is_us, kNotUsReply, "our address " + shown(helo) + " from " + ip.to_string());
    return out;
  }
  const std::string name = *host_name(helo);
  if (!policy::is_valid_domain(name)) {
    add(out, "HELO_SYNTAX", settings.syntax, kInvalidReply, "invalid host name " + shown(helo));
  } else if (is_localhost(name)) {
    add(out, "HELO_LOCALHOST", settings.localhost, kNeedFqdnReply, shown(helo));
  } else if (our_name(name, settings) && !client_is_us) {
    add(out, "HELO_IS_US", settings.is_us, kNotUsReply, "our name " + shown(helo) + " from " + ip.to_string());
  } else if (name.find('.') == std::string::npos) {
    add(out, "HELO_NOT_FQDN", settings.not_fqdn, kNeedFqdnReply, shown(helo));
  }
  return out;
}

asio::awaitable<HeloOutcome> check_helo(net::DnsSource& dns, std::string helo, asio::ip::address client,
                                        const HeloSettings& settings) {
  HeloOutcome out = check_helo_syntax(helo, client, settings);
  if (!settings.check_dns || !out.symbols.empty()) co_return out;
  const auto name = host_name(helo);
  if (!name) co_return out;  // a matching address literal: nothing to look up
  const auto ip = unmapped(client);
  const char* type = ip.is_v4() ? "A" : "AAAA";

  std::vector<asio::awaitable<net::AddressResult>> lookups;
  lookups.push_back(ip.is_v4() ? dns.a(*name) : dns.aaaa(*name));
  auto gathering = core::gather(lookups, settings.timeout);
  const auto answers = co_await std::move(gathering);
  const auto& answer = answers.front();
  if (!answer) {
    out.dns_problem =
        std::string(type) + " " + *name + ": no answer within " + std::to_string(settings.timeout.count()) + " ms";
    co_return out;
  }
  switch (answer->status) {
    case net::DnsStatus::ok: {
      const bool found = std::any_of(answer->addresses.begin(), answer->addresses.end(),
                                     [&](const asio::ip::address& a) { return unmapped(a) == ip; });
      if (!found)
        add(out, "HELO_NO_FCRDNS", settings.no_fcrdns, kNotYoursReply,
            shown(*name) + " has no " + type + " record for " + ip.to_string());
      break;
    }
    case net::DnsStatus::nxdomain:
      add(out, "HELO_NO_FCRDNS", settings.no_fcrdns, kUnknownReply, shown(*name) + " does not exist");
      break;
    case net::DnsStatus::nodata:
      add(out, "HELO_NO_FCRDNS", settings.no_fcrdns, kNotYoursReply,
          shown(*name) + " has no " + type + " record for " + ip.to_string());
      break;
    case net::DnsStatus::temp_failure:
    case net::DnsStatus::perm_failure:
      out.dns_problem = std::string(type) + " " + *name + ": " +
                        (answer->status == net::DnsStatus::temp_failure ? "temporary DNS failure" : "DNS error");
      break;
  }
  co_return out;
}

}  // namespace portcullis::checks::reputation
