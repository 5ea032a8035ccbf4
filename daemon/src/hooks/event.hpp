// What a Lua hook sees and what it may decide: the C++ side of the hook API (docs/lua-api.md).
// `EventData` is the read-only view's content, filled by the SMTP server or the queue manager;
// `Outcome` is the combined result of every script's handler for one event: a decision (or
// none: continue) plus the effects the handlers asked for while continuing.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mail/headers.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::hooks {

enum class EventKind {
  connect,
  helo,
  mail,
  rcpt,
  data,
  deliver_start,
  deliver,
  delivered,
  delivery_failed,
  error,
};
inline constexpr std::size_t kEventKinds = 10;

// "on_connect", "on_helo", ...
std::string_view handler_name(EventKind kind);
// "connect", "helo", ... (for logs)
std::string_view event_name(EventKind kind);

struct Symbol {
  std::string name;
  double score = 0;
};

// Sender authentication results (checks/auth; docs/authentication.md): from on_mail (SPF)
// and on_data (DKIM, DMARC). Empty where a check did not run.
struct AuthInfo {
  std::string spf;  // pass | fail | softfail | neutral | none | temperror | permerror
  std::string spf_domain;
  struct Dkim {
    std::string domain;
    std::string selector;
    std::string algorithm;
    std::string result;  // pass | fail | neutral | policy | temperror | permerror
  };
  std::vector<Dkim> dkim;
  std::string dmarc;         // pass | fail | none | temperror | permerror
  std::string dmarc_policy;  // the published policy: none | quarantine | reject
  std::string from_domain;   // the RFC5322.From domain DMARC evaluated
  std::string arc;           // the ARC chain (RFC 8617): pass | fail | none
};

struct EventData {
  EventKind kind = EventKind::connect;
  // Session.
  std::string client_ip;
  std::uint16_t client_port = 0;
  std::string listener;  // "inbound" | "submission"
  std::string helo;
  bool tls = false;
  std::string tls_version;  // e.g. "TLSv1.3" (empty without TLS)
  std::string tls_cipher;
  std::string auth_user;  // empty: not authenticated
  // Transaction / message.
  std::string queue_id;
  bool null_sender = false;
  std::string sender;                   // address without <>; empty for the null sender
  std::vector<std::string> recipients;  // accepted so far (rcpt) or all (data, delivery)
  std::string rcpt;                     // on_rcpt: the recipient asked about
  std::size_t size = 0;
  const mail::HeaderSection* headers = nullptr;  // on_data and later (nullptr before)
  // Reads up to `len` octets of the message from `offset` (bounded by the host).
  std::function<std::string(std::size_t offset, std::size_t len)> read_message;
  double score = 0;
  std::vector<Symbol> symbols;
  AuthInfo auth;
  // Delivery.
  unsigned attempt = 0;      // 1 for the first attempt
  std::string destination;   // on_deliver: route name / relay; on_delivered: relay
  std::string reply;         // on_delivered / on_delivery_failed: the remote reply
  bool permanent = false;    // on_delivery_failed: bounced (true) or deferred (false)
  std::string route;         // a route chosen earlier (envelope)
  // The policy in force (settings such as admin-email for ev:setting); may be null.
  std::shared_ptr<const policy::Snapshot> policy;
  // on_error.
  std::string error_script;
  std::string error_event;
  std::string error_message;
};

enum class Action { none, accept, reject, tempfail, discard, quarantine };
std::string_view action_name(Action a);

struct HeaderEdit {
  enum class Op { add, remove } op = Op::add;
  std::string name;
  std::string value;  // add only
};

// One script's handler as it ran (for logs and `portcullis rules test`).
struct Trace {
  std::string script;
  std::string event;
  std::string decision;  // "continue", "reject 550 5.7.1 ...", "error: file:line: msg"
  std::vector<std::string> effects;
};

struct Outcome {
  Action action = Action::none;
  std::string reply;   // reject/tempfail: a complete reply, e.g. "550 5.7.1 No thanks"
  std::string reason;  // quarantine reason
  std::string decided_by;  // the script that decided
  bool failed = false;     // a script failed (error or limit): the configured default applies
  // Effects of the handlers that continued (applied in order).
  std::vector<HeaderEdit> header_edits;
  double score = 0;  // added score (sum of the symbols added)
  std::vector<Symbol> symbols;
  std::vector<std::string> add_recipients;
  std::optional<std::vector<std::string>> set_recipients;  // replaces every recipient
  std::string route;  // "host[:port]" or "[address]:port": deliver there instead
  std::vector<Trace> trace;
};

}  // namespace portcullis::hooks
