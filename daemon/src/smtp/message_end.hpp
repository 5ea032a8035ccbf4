// The end of DATA (Server::end_message, smtp/message_end.cpp): sender authentication, the
// attachment rules, the scanners, the Lua on_data rules, each recipient's verdict, the copies,
// the commit to the queue and the log — what one message gets after its last octet arrived.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hooks/event.hpp"
#include "policy/snapshot.hpp"
#include "smtp/session.hpp"
#include "smtp/transaction.hpp"
#include "tls/server_context.hpp"

namespace portcullis::smtp {

// What the end of a message needs of its session.
struct MessageContext {
  const std::string& client;
  const Envelope& envelope;
  std::size_t message_bytes;                     // as the client sent them (the rules' ev.size)
  const std::optional<tls::TlsInfo>& tls;
  const std::vector<hooks::Symbol>& session_symbols;  // the rules' at connect and HELO, DNSBL hits
  const policy::Snapshot* snap;                  // the policy of the transaction (nullptr: none)
  // The rules' view of the session now (the transaction's symbols included).
  std::function<hooks::EventData(hooks::EventKind)> event_for;
};

struct MessageEnd {
  std::string reply;    // the answer to the end of DATA
  bool queued = false;  // committed to the queue (the session's message count)
};

}  // namespace portcullis::smtp
