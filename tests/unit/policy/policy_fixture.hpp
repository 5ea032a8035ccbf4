// The policy used by the relay and alias tests, built directly as a Snapshot.
#pragma once
#include <string>

#include "mail/address.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::policy::testing {

inline mail::Mailbox mailbox(std::string local, std::string domain, bool quoted = false, bool literal = false) {
  mail::Mailbox m;
  m.local = std::move(local);
  m.domain = std::move(domain);
  m.quoted_local = quoted;
  m.address_literal = literal;
  return m;
}

inline boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

// ours.example   mode all
// spec.example   mode specified: recipients alice, bob; alias sales; catch-all none
// catch.example  mode specified with a catch-all to admin@catch.example
// Relay networks: 192.0.2.0/24, 2001:db8:1::/48, 10.0.0.1 (host).
inline Snapshot make_policy() {
  Snapshot s;
  s.serial = 7;
  s.domains["ours.example"] = {"ours.example", "mx.ours.example", 25, store::RecipientMode::all};
  s.domains["spec.example"] = {"spec.example", "10.1.1.1", 25, store::RecipientMode::specified};
  s.domains["catch.example"] = {"catch.example", "10.1.1.2", 25, store::RecipientMode::specified};
  s.recipients = {"alice@spec.example", "bob@spec.example", "listed@catch.example"};
  s.aliases["sales@spec.example"] = {"Alice@spec.example", "ext@Partner.Example"};
  s.aliases["info@ours.example"] = {"Boss@Partner.Example"};
  s.aliases["keep@ours.example"] = {"keep@ours.example", "copy@partner.example"};
  s.aliases["@catch.example"] = {"admin@catch.example"};
  s.aliases["fwd@spec.example"] = {"sales@spec.example", "bob@spec.example"};
  s.aliases["team@ours.example"] = {"x@ours.example", "y@ours.example"};
  s.aliases["x@ours.example"] = {"z@partner.example"};
  s.aliases["y@ours.example"] = {"Z@partner.example", "w@partner.example"};
  s.aliases["loop1@ours.example"] = {"loop2@ours.example"};
  s.aliases["loop2@ours.example"] = {"loop1@ours.example"};
  s.aliases["loopy@spec.example"] = {"bob@spec.example", "loopy2@spec.example"};
  s.aliases["loopy2@spec.example"] = {"LOOPY@spec.example"};
  s.aliases["empty@ours.example"] = {};
  s.aliases["bad@ours.example"] = {"not-an-address"};
  // chain c0 -> c1 -> ... -> c8 (8 hops: allowed); d0 -> ... -> d9 (9 hops: too deep)
  for (int i = 0; i < 8; ++i)
    s.aliases["c" + std::to_string(i) + "@ours.example"] = {"c" + std::to_string(i + 1) + "@ours.example"};
  for (int i = 0; i < 9; ++i)
    s.aliases["d" + std::to_string(i) + "@ours.example"] = {"d" + std::to_string(i + 1) + "@ours.example"};
  s.relaynets = {*Cidr::parse("192.0.2.0/24"), *Cidr::parse("2001:db8:1::/48"), *Cidr::parse("10.0.0.1")};
  return s;
}

}  // namespace portcullis::policy::testing
