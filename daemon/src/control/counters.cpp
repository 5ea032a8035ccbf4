#include "control/counters.hpp"

namespace portcullis::control {
namespace {

std::string_view field(std::span<const log::Field> fields, std::string_view key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return {};
}

// "550 5.1.1 <x>: ..." -> "5.1.1"; "" if the reply has no enhanced code.
std::string enhanced_code(std::string_view reply) {
  if (reply.size() < 9 || reply[3] != ' ') return {};
  const std::string_view rest = reply.substr(4);
  const std::size_t end = rest.find(' ');
  const std::string_view code = rest.substr(0, end);
  if (code.size() < 5 || code.size() > 11 || (code[0] != '4' && code[0] != '5') || code[1] != '.') return {};
  for (char c : code)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return {};
  return std::string(code);
}

}  // namespace

Counters::Counters()
    : observer_([this](log::Level, std::string_view event, std::span<const log::Field> fields, std::string_view) {
        observe(event, fields);
      }) {}

std::string Counters::reason_of(std::string_view event, std::span<const log::Field> fields) {
  if (event == "rcpt_rejected") {
    std::string code = enhanced_code(field(fields, "reply"));
    return code.empty() ? std::string("recipient") : code;
  }
  if (event == "connection_refused") return "too_many_connections";
  if (event == "early_talker") return "early_talker";
  if (event == "message_rejected") return "message_" + std::string(field(fields, "reason"));
  return std::string(event);
}

void Counters::observe(std::string_view event, std::span<const log::Field> fields) {
  uint64_t Snapshot::*slot = nullptr;
  if (event == "connect") slot = &Snapshot::connections;
  else if (event == "queued") slot = &Snapshot::received;
  else if (event == "delivered") slot = &Snapshot::delivered;
  else if (event == "deferred") slot = &Snapshot::deferred;
  else if (event == "bounced") slot = &Snapshot::bounced;
  else if (event == "bounce_queued") slot = &Snapshot::dsn_sent;
  else if (event == "timeout") slot = &Snapshot::timeouts;
  const bool rejection = event == "rcpt_rejected" || event == "connection_refused" || event == "early_talker" ||
                         event == "message_rejected";
  if (!slot && !rejection) return;
  std::string reason = rejection ? reason_of(event, fields) : std::string();
  std::lock_guard lock(mutex_);
  if (slot) ++(counts_.*slot);
  if (rejection) ++counts_.rejected[reason];
}

Counters::Snapshot Counters::snapshot() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace portcullis::control
