#include "smtp/verdict_copies.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::smtp {
using checks::verdict::Action;

namespace {
// Text from a message for the quarantine index: printable ASCII ('?' for the rest), bounded.
std::string index_text(std::string_view text, std::size_t max) {
  std::string out;
  for (const char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace

// How long a held message is kept: the setting quarantine-retention (days), 30 by default.
int64_t quarantine_retention(const policy::Snapshot* snap) {
  int64_t days = 30;
  if (snap != nullptr)
    if (const auto v = snap->setting("quarantine-retention")) days = std::strtoll(v->c_str(), nullptr, 10);
  return std::max<int64_t>(1, days) * 86400;
}

void tag_subject(const mail::HeaderSection& headers, const std::string& tag, queue::Amendment& out) {
  if (tag.empty()) return;
  const mail::HeaderField* subject = headers.first("Subject");
  const bool dropped = subject != nullptr && std::any_of(out.drop.begin(), out.drop.end(), [&](const auto& range) {
                         return range.first <= subject->offset && subject->offset < range.first + range.second;
                       });
  if (subject == nullptr || dropped) {  // none (or a rule removed it): a new one
    out.insert_headers += "Subject: " + tag + "\r\n";
    return;
  }
  // The field is "name [WSP] ':' raw_value CRLF" (SMTP data lines end in CRLF): the tag goes
  // right after the colon.
  const std::size_t colon = subject->offset + subject->length - 2 - subject->raw_value.size() - 1;
  out.replace.push_back(queue::Replacement{colon + 1, 0, " " + tag});
}

std::vector<Copy> plan_copies(const checks::verdict::MessageDecision& decision, const checks::verdict::Findings& findings,
                              const queue::Amendment& base, const queue::EnvelopeRecord& envelope,
                              const mail::HeaderSection& headers, const std::vector<queue::Replacement>& removal,
                              const std::string& held) {
  std::vector<Copy> copies;
  // The spam headers go on a message something scored (spamd, the checks, the rules); with
  // every check off it passes unchanged.
  const bool scored = findings.spamd_score.has_value() || !findings.symbols.empty();
  for (const auto& g : decision.groups) {
    if (g.outcome.action == Action::discard) continue;
    Copy c;
    c.group = &g;
    c.amendment = base;
    queue::EnvelopeRecord env = envelope;
    env.id = copies.empty() ? envelope.id : core::new_queue_id();
    env.recipients = g.recipients;
    if (g.outcome.action == Action::quarantine) {
      env.quarantine = g.outcome.reason;
    } else if (!held.empty()) {
      env.quarantine = held;
    }
    c.amendment.envelope = std::move(env);
    if (scored) c.amendment.insert_headers += checks::verdict::spam_headers(g.outcome, findings);
    if (g.outcome.spam) tag_subject(headers, g.outcome.subject_tag, c.amendment);
    if (g.outcome.remove_attachments)
      c.amendment.replace.insert(c.amendment.replace.end(), removal.begin(), removal.end());
    std::sort(c.amendment.replace.begin(), c.amendment.replace.end(),
              [](const queue::Replacement& a, const queue::Replacement& b) { return a.offset < b.offset; });
    copies.push_back(std::move(c));
  }
  return copies;
}

std::vector<store::QuarantineEntry> quarantine_rows(const Copy& copy, const mail::HeaderSection& headers,
                                                    std::uint64_t size, const std::string& gateway,
                                                    int64_t retention) {
  const auto& env = *copy.amendment.envelope;
  const mail::HeaderField* subject = headers.first("Subject");
  std::vector<store::QuarantineEntry> rows;
  for (const auto& r : env.recipients)
    rows.push_back(store::QuarantineEntry{env.id, r, env.received, env.sender,
                                          subject ? index_text(subject->value, 255) : std::string(), env.quarantine,
                                          copy.group->outcome.score, size, gateway, env.received + retention});
  return rows;
}

}  // namespace portcullis::smtp
