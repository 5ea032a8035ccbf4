#include "policy/relay.hpp"

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "policy/aliases.hpp"
#include "policy/names.hpp"

namespace portcullis::policy {
namespace {

constexpr const char* accept_reply = "250 2.1.5 Ok";

RcptDecision deny(RcptVerdict verdict, const std::string& shown, const char* code, const char* text) {
  return {verdict, {}, std::string(code) + " <" + shown + ">: " + text};
}

// Rule (a): forms that could make a later hop route the message elsewhere, or that have no
// route at all.
// Octets no parser lets through (kept out here too, so they never reach a reply or a queue).
bool is_control(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c < 0x20 || c == 0x7f;
}

// A domain octet: LDH, '.', or UTF-8 (a U-label; it never matches ours, see relay.hpp).
bool is_domain_octet(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

bool is_routing_trick(const mail::Mailbox& rcpt) {
  const std::string& l = rcpt.local;
  if (l.empty() || l.find_first_of("%!@") != std::string::npos) return true;
  if (std::any_of(l.begin(), l.end(), is_control)) return true;
  const std::string& d = rcpt.domain;
  if (rcpt.address_literal || d.empty() || !std::all_of(d.begin(), d.end(), is_domain_octet)) return true;
  return d.front() == '.' || d.back() == '.' || d.find("..") != std::string::npos;
}

const char* expansion_error_text(Expansion::Status status) {
  switch (status) {
    case Expansion::Status::loop: return "alias loop";
    case Expansion::Status::too_deep: return "alias expansion too deep";
    case Expansion::Status::bad_target: return "alias misconfigured";
    case Expansion::Status::ok: break;
  }
  return "alias misconfigured";
}

// Turns an alias expansion into a decision; `shown` is the address as printed in replies.
RcptDecision from_expansion(Expansion expansion, const std::string& shown) {
  if (expansion.status != Expansion::Status::ok) {
    const char* text = expansion_error_text(expansion.status);
    log::warn("alias_error", {{"address", shown}, {"problem", text}, {"at", expansion.problem}});
    return deny(RcptVerdict::tempfail, shown, "451 4.3.0", text);
  }
  return {RcptVerdict::accept_inbound, std::move(expansion.finals), accept_reply};
}

}  // namespace

RcptDecision decide_recipient(const Snapshot& snapshot, const mail::Mailbox& rcpt,
                              const boost::asio::ip::address& client, bool authenticated) {
  mail::Mailbox normalised = rcpt;
  normalised.domain = lower_ascii(rcpt.domain);
  const std::string shown = wire_form(normalised);  // also the delivery form: local@domain
  if (is_routing_trick(rcpt)) return deny(RcptVerdict::bad_address, shown, "554 5.7.1", "Relay access denied");

  if (const store::Domain* domain = snapshot.find_domain(rcpt.domain)) {
    const std::string key = lookup_key(rcpt);
    Expansion expansion = expand_aliases(snapshot, key, shown);
    if (expansion.status == Expansion::Status::ok && domain->recipients == store::RecipientMode::specified &&
        !expansion.aliased && !snapshot.recipients.contains(key)) {
      return deny(RcptVerdict::unknown_user, shown, "550 5.1.1", "Recipient address rejected: User unknown");
    }
    return from_expansion(std::move(expansion), shown);
  }

  if (authenticated || snapshot.in_relaynets(client)) return {RcptVerdict::accept_outbound, {shown}, accept_reply};
  return deny(RcptVerdict::relay_denied, shown, "554 5.7.1", "Relay access denied");
}

RcptDecision decide_bare_postmaster(const Snapshot& snapshot) {
  for (const char* key : {"postmaster", "admin-email"}) {
    const auto value = snapshot.setting(key);
    if (!value) continue;
    const auto parts = split_address(*value);
    if (!parts || parts->local.find('@') != std::string::npos) {
      log::warn("setting_invalid", {{"key", key}, {"value", *value}, {"used_for", "Postmaster"}});
      continue;
    }
    return from_expansion(expand_aliases(snapshot, *value), "Postmaster");
  }
  return {RcptVerdict::unknown_user, {},
          "550 5.1.1 <Postmaster>: no postmaster address configured (set postmaster or admin-email)"};
}

}  // namespace portcullis::policy
