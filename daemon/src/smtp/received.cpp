#include <ctime>

#include "core/time_format.hpp"
#include "smtp/server.hpp"

namespace portcullis::smtp {

std::string rfc5322_date(int64_t unix_time) { return core::format_utc(unix_time, core::TimeStyle::rfc5322); }

std::string received_header(const std::string& helo, const std::string& client_ip, const std::string& hostname,
                            const std::string& protocol, const std::string& queue_id,
                            const std::string& single_recipient, int64_t unix_time, const std::string& tls) {
  // RFC 5321 4.4 trace field. The HELO name is client-supplied: the session already refused
  // control characters in it, so it cannot break the header.
  std::string h = "Received: from ";
  h += helo.empty() ? "unknown" : helo;
  h += " ([";
  h += client_ip;
  h += "])\r\n\t";
  if (!tls.empty()) {  // as Postfix writes it: (using TLSv1.3 with cipher ... (256 bits))
    h += "(using ";
    h += tls;
    h += ")\r\n\t";
  }
  h += "by ";
  h += hostname;
  h += " (Portcullis) with ";
  h += protocol;
  h += " id ";
  h += queue_id;
  if (!single_recipient.empty()) {
    h += "\r\n\tfor <";
    h += single_recipient;
    h += ">";
  }
  h += "; ";
  h += rfc5322_date(unix_time);
  h += "\r\n";
  return h;
}

}  // namespace portcullis::smtp
