// Postmaster and admin settings, Hermes SEG style: one postmaster address in one of our
// domains, with postmaster@, abuse@ and root@ that domain aliased to the admin's mailbox.
//
// Known settings (anything else is refused by validate_setting, so typos do not pass silently):
//   postmaster     address that receives mail for RCPT TO:<Postmaster>; set by apply_postmaster;
//                  must be local@domain in one of our domains
//   admin-email    the administrator's mailbox (may be anywhere); target of the postmaster,
//                  abuse and root aliases, and the fallback for <Postmaster>
//   hostname       the gateway's own host name (SMTP banner, EHLO, Received:); a domain name
//   telemetry      on | off: whether the admin allowed usage reports (first-boot wizard; off
//                  unless asked; nothing is sent while off)
//   bounce-sender  address shown in the From: of bounces (DSNs) the gateway generates; their
//                  envelope sender is always <>
// Addresses here are checked simply: an unquoted dot-atom local part without '%' or '!'
// (routing characters, refused by the relay policy), '@', and a valid domain name.
#pragma once
#include <optional>
#include <string>

#include "store/store.hpp"

namespace portcullis::policy {

// Requires setting "admin-email" and a postmaster address in one of our domains D, else throws
// std::invalid_argument saying what is missing. Creates or replaces the aliases postmaster@D,
// abuse@D and root@D -> admin-email, then stores setting "postmaster" (domain lower-cased).
// Store errors propagate (StoreError).
void apply_postmaster(store::Store& store, const std::string& postmaster_address);

// nullopt if `value` is acceptable for `key`, else a one-line error for the admin.
std::optional<std::string> validate_setting(const std::string& key, const std::string& value);

// The address check used for the address settings: nullopt if ok, else why not.
std::optional<std::string> validate_address(const std::string& address);

}  // namespace portcullis::policy
