#include "queue/quarantine_digest.hpp"

#include <cstdio>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "smtp/server.hpp"

namespace portcullis::queue {
namespace {

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace

std::string make_quarantine_digest(const std::string& hostname, const std::string& from, const std::string& recipient,
                                   const std::vector<store::QuarantineEntry>& held, int64_t now, std::size_t max_rows) {
  std::string m;
  m += "From: Mail gateway <" + from + ">\r\n";
  m += "To: <" + recipient + ">\r\n";
  m += "Subject: " + std::to_string(held.size()) + " message(s) held in quarantine for you\r\n";
  m += "Date: " + smtp::rfc5322_date(now) + "\r\n";
  m += "Message-ID: <" + core::new_queue_id() + ".digest@" + hostname + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";  // RFC 3834: no auto-replies to this
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=us-ascii\r\n";
  m += "Content-Transfer-Encoding: 7bit\r\n";
  m += "\r\n";
  m += "The mail gateway " + hostname + " is holding these messages addressed to\r\n";
  m += recipient + " (suspected spam, viruses or blocked attachments). They are\r\n";
  m += "not delivered. If one of them is wanted, ask your mail administrator to\r\n";
  m += "release it, quoting its ID. Held messages are deleted when they expire.\r\n\r\n";
  std::size_t shown = 0;
  for (const auto& e : held) {
    if (shown == max_rows) break;
    ++shown;
    m += "ID:       " + printable(e.id, 64) + "\r\n";
    m += "Received: " + core::format_utc(e.received, core::TimeStyle::plain) + " UTC\r\n";
    m += "From:     " + (e.sender.empty() ? std::string("<>") : printable(e.sender, 200)) + "\r\n";
    m += "Subject:  " + printable(e.subject, 200) + "\r\n";
    m += "Reason:   " + printable(e.reason, 200) + "\r\n";
    m += "Expires:  " + core::format_utc(e.expires, core::TimeStyle::plain) + " UTC\r\n\r\n";
  }
  if (held.size() > shown) m += "... and " + std::to_string(held.size() - shown) + " more.\r\n";
  return m;
}

}  // namespace portcullis::queue
