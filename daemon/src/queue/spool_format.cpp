// Text formats of the spool's envelope header block and delivery state file.
#include <charconv>
#include <string>

#include "queue/spool.hpp"

namespace portcullis::queue {
namespace {

constexpr std::string_view kMagic = "PORTCULLIS-QUEUE 1";
constexpr std::string_view kStateMagic = "PORTCULLIS-STATE 1";

void check_value(std::string_view v) {
  for (char c : v)
    if (c == '\n' || c == '\r' || c == '\0') throw SpoolError("envelope value contains a line break or NUL");
}

void put(std::string& out, std::string_view key, std::string_view value) {
  check_value(value);
  out += key;
  out += ": ";
  out += value;
  out += '\n';
}

template <class Int>
bool to_int(std::string_view s, Int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits "key: value" lines up to the first empty line; calls fn(key, value); returns the
// offset after the empty line, or npos if the block is not terminated.
template <class Fn>
std::size_t each_line(std::string_view data, std::string_view magic, Fn fn) {
  if (data.substr(0, magic.size()) != magic || data.size() <= magic.size() || data[magic.size()] != '\n')
    return std::string_view::npos;
  std::size_t pos = magic.size() + 1;
  while (pos < data.size()) {
    const std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return std::string_view::npos;
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) return pos;
    if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos)
      return std::string_view::npos;  // never produced by format_*: a damaged file
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) {
      if (!line.empty() && line.back() == ':') {  // "key:" with an empty value
        if (!fn(line.substr(0, line.size() - 1), std::string_view{})) return std::string_view::npos;
        continue;
      }
      return std::string_view::npos;
    }
    if (!fn(line.substr(0, colon), line.substr(colon + 2))) return std::string_view::npos;
  }
  return std::string_view::npos;
}

const char* status_name(RcptStatus s) {
  switch (s) {
    case RcptStatus::pending: return "pending";
    case RcptStatus::delivered: return "delivered";
    case RcptStatus::failed: return "failed";
  }
  return "pending";
}

}  // namespace

std::string format_envelope(const EnvelopeRecord& env) {
  std::string out(kMagic);
  out += '\n';
  put(out, "id", env.id);
  put(out, "received", std::to_string(env.received));
  put(out, "client", env.client_ip);
  put(out, "helo", env.helo);
  put(out, "sender", env.sender);
  for (const auto& r : env.recipients) put(out, "rcpt", r);
  put(out, "body", env.body_8bit ? "8bit" : "7bit");
  put(out, "smtputf8", env.smtputf8 ? "1" : "0");
  put(out, "bounce", env.is_bounce ? "1" : "0");
  if (!env.route.empty()) put(out, "route", env.route);
  if (!env.quarantine.empty()) put(out, "quarantine", env.quarantine);
  if (env.sign) put(out, "sign", "1");  // only when set: an older daemon ignores it
  if (!env.arc.empty()) put(out, "arc", env.arc);
  out += '\n';
  return out;
}

std::optional<EnvelopeRecord> parse_envelope(std::string_view data, std::size_t& body_offset) {
  EnvelopeRecord env;
  bool have_id = false;
  const std::size_t end = each_line(data, kMagic, [&](std::string_view k, std::string_view v) {
    if (k == "id") {
      env.id = v;
      have_id = !v.empty();
    } else if (k == "received") {
      return to_int(v, env.received);
    } else if (k == "client") {
      env.client_ip = v;
    } else if (k == "helo") {
      env.helo = v;
    } else if (k == "sender") {
      env.sender = v;
    } else if (k == "rcpt") {
      if (v.empty()) return false;
      env.recipients.emplace_back(v);
    } else if (k == "body") {
      env.body_8bit = v == "8bit";
    } else if (k == "smtputf8") {
      env.smtputf8 = v == "1";
    } else if (k == "bounce") {
      env.is_bounce = v == "1";
    } else if (k == "route") {
      env.route = v;
    } else if (k == "quarantine") {
      env.quarantine = v;
    } else if (k == "sign") {
      env.sign = v == "1";
    } else if (k == "arc") {
      env.arc = v;
    }  // unknown keys are ignored: a newer daemon may add some
    return true;
  });
  if (end == std::string_view::npos || !have_id || env.recipients.empty()) return std::nullopt;
  body_offset = end;
  return env;
}

std::string format_state(const DeliveryState& st) {
  std::string out(kStateMagic);
  out += '\n';
  put(out, "attempts", std::to_string(st.attempts));
  put(out, "next", std::to_string(st.next_attempt));
  for (const auto& [rcpt, rs] : st.rcpts) {
    // "rcpt: STATUS ADDRESS\tREPLY" — addresses never contain a tab (the parser refuses it).
    put(out, "rcpt", std::string(status_name(rs.status)) + " " + rcpt + "\t" + rs.reply);
  }
  out += '\n';
  return out;
}

std::optional<DeliveryState> parse_state(std::string_view data) {
  DeliveryState st;
  const std::size_t end = each_line(data, kStateMagic, [&](std::string_view k, std::string_view v) {
    if (k == "attempts") return to_int(v, st.attempts);
    if (k == "next") return to_int(v, st.next_attempt);
    if (k == "rcpt") {
      const auto sp = v.find(' ');
      const auto tab = v.find('\t');
      if (sp == std::string_view::npos || tab == std::string_view::npos || tab < sp) return false;
      const auto status = v.substr(0, sp);
      RcptState rs;
      if (status == "delivered") rs.status = RcptStatus::delivered;
      else if (status == "failed") rs.status = RcptStatus::failed;
      else if (status == "pending") rs.status = RcptStatus::pending;
      else return false;
      rs.reply = v.substr(tab + 1);
      st.rcpts[std::string(v.substr(sp + 1, tab - sp - 1))] = rs;
    }
    return true;
  });
  if (end == std::string_view::npos) return std::nullopt;
  return st;
}

}  // namespace portcullis::queue
