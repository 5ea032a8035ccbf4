// The Lua rules as the SMTP server calls them (hooks/engine.hpp): one event run and logged,
// the sender authentication as the rules see it (ev.auth), and a rule's refusal.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "checks/auth/message_auth.hpp"
#include "hooks/engine.hpp"

namespace portcullis::smtp {

// Runs the rules for an event (an empty outcome when no script handles it; engine nullptr: none).
boost::asio::awaitable<hooks::Outcome> run_rules(hooks::Engine* engine, const hooks::EventData& e);
// What the rules see of the sender authentication so far.
hooks::AuthInfo auth_info(const checks::MessageAuth& a);
// A rule's reject/tempfail reply (else empty).
std::string refusal(const hooks::Outcome& out);

}  // namespace portcullis::smtp
