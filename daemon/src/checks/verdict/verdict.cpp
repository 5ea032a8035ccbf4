#include "checks/verdict/verdict.hpp"

#include <cstdio>

namespace portcullis::checks::verdict {
namespace {

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string quoted_list(const std::vector<BlockedAttachment>& a) {
  std::string out;
  for (std::size_t i = 0; i < a.size() && i < 3; ++i)
    out += (i ? ", \"" : "\"") + a[i].filename + "\" (" + a[i].reason + ")";
  if (a.size() > 3) out += " and " + std::to_string(a.size() - 3) + " more";
  return out;
}

// Printable ASCII only in replies, reasons and headers (names come from the message).
std::string clean(std::string s, std::size_t max = 200) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  if (s.size() > max) s.resize(max);
  return s;
}

}  // namespace

double Findings::base_score() const {
  double t = 0;
  for (const auto& s : symbols) t += s.score;
  return t;
}

const char* action_name(Action a) {
  switch (a) {
    case Action::deliver: return "deliver";
    case Action::quarantine: return "quarantine";
    case Action::reject: return "reject";
    case Action::discard: return "discard";
    case Action::tempfail: return "tempfail";
  }
  return "deliver";
}

bool Outcome::same_copy(const Outcome& o) const {
  return action == o.action && spam == o.spam && subject_tag == o.subject_tag &&
         remove_attachments == o.remove_attachments && score == o.score && required == o.required &&
         reason == o.reason;
}

Outcome decide(const store::SpamPolicy& p, const Findings& f) {
  Outcome out;
  out.policy = p.name;
  out.required = p.tag_score;
  out.score = f.base_score() + (p.spam_scan && f.spamd_score ? *f.spamd_score : 0.0);
  const std::string failed = p.virus_scan && !f.clamd_failure.empty()   ? "clamd: " + f.clamd_failure
                             : p.spam_scan && !f.spamd_failure.empty() ? "spamd: " + f.spamd_failure
                                                                         : std::string();
  if (!failed.empty()) {
    if (p.scanner_failure != "accept") {
      out.action = Action::tempfail;
      out.reason = "scanner unavailable (" + failed + ")";
      out.reply = "451 4.7.1 Error: the message could not be scanned now, try again later";
      return out;
    }
    out.unscanned = true;
  }
  if (p.virus_scan && !f.virus.empty()) {
    const std::string name = clean(f.virus);
    out.reason = "virus " + name;
    if (p.virus_action == "quarantine") {
      out.action = Action::quarantine;
    } else if (p.virus_action == "discard") {
      out.action = Action::discard;
    } else {
      out.action = Action::reject;
      out.reply = "554 5.7.1 Error: message refused, it contains a virus (" + name + ")";
    }
    return out;
  }
  if (!f.attachments.empty() && p.attachment_action != "off") {
    const std::string what = clean(quoted_list(f.attachments));
    if (p.attachment_action == "quarantine") {
      out.action = Action::quarantine;
      out.reason = "attachment " + what;
      return out;
    }
    if (p.attachment_action == "remove" && f.attachments_removable) {
      out.remove_attachments = true;  // and on to the score
    } else {
      out.action = Action::reject;
      out.reason = "attachment " + what;
      out.reply = "554 5.7.1 Error: message refused, attachment not allowed: " + what;
      return out;
    }
  }
  const auto reached = [&](double threshold) { return threshold <= store::kThresholdNever && out.score >= threshold; };
  if (reached(p.reject_score)) {
    out.action = Action::reject;
    out.reason = "spam score " + fixed2(out.score);
    out.reply = "550 5.7.1 Error: message refused as spam (score " + fixed2(out.score) + ")";
    return out;
  }
  if (reached(p.quarantine_score)) {
    out.action = Action::quarantine;
    out.reason = "spam score " + fixed2(out.score);
  }
  if (reached(p.tag_score)) {
    out.spam = true;
    out.subject_tag = p.subject_tag;
  }
  return out;
}

MessageDecision decide_message(const std::vector<std::string>& recipients, const Policies& policies,
                               const Findings& findings) {
  MessageDecision d;
  for (const auto& r : recipients) {
    Outcome o = decide(policies.for_recipient(r), findings);
    bool placed = false;
    for (auto& g : d.groups)
      if (g.outcome.same_copy(o)) {
        g.recipients.push_back(r);
        placed = true;
        break;
      }
    if (!placed) d.groups.push_back(Group{std::move(o), {r}});
  }
  for (const auto& g : d.groups)
    if (g.outcome.action == Action::tempfail) {
      d.reply = MessageDecision::Reply::tempfail;
      d.text = g.outcome.reply;
      d.reason = g.outcome.reason;
      d.groups.clear();
      return d;
    }
  bool all_reject = !d.groups.empty();
  for (const auto& g : d.groups) all_reject = all_reject && g.outcome.action == Action::reject;
  if (all_reject) {
    d.reply = MessageDecision::Reply::reject;
    d.text = d.groups.front().outcome.reply;
    d.reason = d.groups.front().outcome.reason;
    d.groups.clear();
    return d;
  }
  for (auto& g : d.groups)
    if (g.outcome.action == Action::reject) {  // refused for these recipients only: held
      g.outcome.action = Action::quarantine;
      g.outcome.reply.clear();
    }
  return d;
}

std::string spam_headers(const Outcome& o, const Findings& f) {
  std::string tests;
  for (const auto& s : f.symbols) tests += (tests.empty() ? "" : ",") + s.name;
  for (const auto& s : f.spamd_symbols) tests += (tests.empty() ? "" : ",") + s;
  std::string status = std::string(o.spam ? "Yes" : "No") + ", score=" + fixed2(o.score) +
                       " required=" + fixed2(o.required);
  if (!tests.empty()) status += " tests=" + clean(tests, 4000);
  // Folded (RFC 5322 2.1.1: lines of at most 78 characters) after a comma or before a space.
  std::string folded;
  std::size_t line = std::string("X-Spam-Status: ").size();
  std::size_t start = 0;
  while (start < status.size()) {
    std::size_t end = status.find_first_of(", ", start + 1);
    if (end != std::string::npos && status[end] == ',') ++end;  // the comma stays with its word
    if (end == std::string::npos) end = status.size();
    std::string_view word(status.data() + start, end - start);
    if (line + word.size() > 78 && !folded.empty()) {
      folded += "\r\n\t";
      if (word.front() == ' ') word.remove_prefix(1);
      line = 8;  // a tab
    }
    folded += word;
    line += word.size();
    start = end;
  }
  return "X-Spam-Score: " + fixed2(o.score) + "\r\nX-Spam-Status: " + folded + "\r\n";
}

}  // namespace portcullis::checks::verdict
