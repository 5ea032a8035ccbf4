#include "queue/dsn.hpp"

#include <cctype>

#include "core/ids.hpp"
#include "smtp/server.hpp"

namespace portcullis::queue {
namespace {

bool is_status(std::string_view s) {
  // class "." subject "." detail: [245].[0-9]{1,3}.[0-9]{1,3}
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  std::size_t i = 2, digits = 0, dots = 0;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (++digits > 3) return false;
    } else if (s[i] == '.' && digits > 0 && dots == 0) {
      ++dots;
      digits = 0;
    } else {
      return false;
    }
  }
  return dots == 1 && digits > 0;
}

// Keeps DSN lines well under 998 octets and free of control characters.
std::string clean(std::string_view s, std::size_t max = 900) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  return out;
}

std::string_view headers_of(std::string_view message) {
  auto end = message.find("\r\n\r\n");
  std::string_view h = end == std::string_view::npos ? message : message.substr(0, end + 2);
  if (h.size() > 64 * 1024) {  // cap at a line boundary
    auto cut = h.rfind("\r\n", 64 * 1024);
    h = h.substr(0, cut == std::string_view::npos ? 0 : cut + 2);
  }
  return h;
}

}  // namespace

std::string status_code_of(std::string_view reply) {
  if (reply.size() >= 5 && reply[3] == ' ') {
    auto rest = reply.substr(4);
    auto sp = rest.find(' ');
    auto token = rest.substr(0, sp);
    if (is_status(token)) return std::string(token);
  }
  if (!reply.empty() && reply[0] == '4') return "4.0.0";
  return "5.0.0";
}

std::string make_dsn(const std::string& hostname, const std::string& queue_id, const std::string& sender,
                     int64_t arrival, int64_t now, const std::vector<FailedRecipient>& failed,
                     std::string_view original_message) {
  const std::string boundary = queue_id + "." + core::new_queue_id() + "/" + hostname;
  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + hostname + ">\r\n";
  m += "To: <" + sender + ">\r\n";
  m += "Subject: Undelivered Mail Returned to Sender\r\n";
  m += "Date: " + smtp::rfc5322_date(now) + "\r\n";
  m += "Message-ID: <" + core::new_queue_id() + ".dsn@" + hostname + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
  m += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

  m += "--" + boundary + "\r\n";
  m += "Content-Description: Notification\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  m += "This is the mail system at host " + hostname + ".\r\n\r\n";
  m += "I'm sorry to have to inform you that your message could not\r\n";
  m += "be delivered to one or more recipients. The reasons are below.\r\n\r\n";
  for (const auto& f : failed) {
    m += "<" + clean(f.address) + ">: ";
    if (!f.remote_mta.empty()) m += "host " + clean(f.remote_mta) + " said: ";
    m += clean(f.reply) + "\r\n\r\n";
  }

  m += "--" + boundary + "\r\n";
  m += "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n";
  m += "Reporting-MTA: dns; " + hostname + "\r\n";
  m += "X-Portcullis-Queue-ID: " + queue_id + "\r\n";
  m += "Arrival-Date: " + smtp::rfc5322_date(arrival) + "\r\n";
  for (const auto& f : failed) {
    m += "\r\n";
    m += "Final-Recipient: rfc822; " + clean(f.address) + "\r\n";
    m += "Action: failed\r\n";
    std::string status = status_code_of(f.reply);
    if (status[0] == '4') status[0] = '5';  // expired after temporary failures: now permanent
    m += "Status: " + status + "\r\n";
    if (!f.remote_mta.empty()) {
      m += "Remote-MTA: dns; " + clean(f.remote_mta) + "\r\n";
      m += "Diagnostic-Code: smtp; " + clean(f.reply) + "\r\n";
    } else {
      m += "Diagnostic-Code: x-portcullis; " + clean(f.reply) + "\r\n";
    }
  }
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n";
  m += headers_of(original_message);
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace portcullis::queue
