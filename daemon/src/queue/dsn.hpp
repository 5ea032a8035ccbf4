// Delivery status notifications (RFC 3464 multipart/report) for recipients that failed
// permanently or expired. Never generated for a message with the null sender or for a bounce.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::queue {

struct FailedRecipient {
  std::string address;
  std::string reply;       // e.g. "550 5.1.1 <x@y>: User unknown" or our own explanation
  std::string remote_mta;  // next hop that answered, empty if none did
};

// Extracts the enhanced status code ("5.1.1") from a reply, or derives one from the basic code.
std::string status_code_of(std::string_view reply);

// Builds the complete bounce message (CRLF lines) to the original sender.
std::string make_dsn(const std::string& hostname, const std::string& queue_id, const std::string& sender,
                     int64_t arrival, int64_t now, const std::vector<FailedRecipient>& failed,
                     std::string_view original_message);

}  // namespace portcullis::queue
