// checks/arc/result.hpp: the arc clause of Authentication-Results.
#include "checks/arc/result.hpp"

namespace portcullis::checks::arc {

mail::AuthResult auth_result(const ChainResult& result, std::string_view remote_ip) {
  mail::AuthResult out{"arc", std::string(to_string(result.cv)), "", {}};
  if (result.cv == Cv::pass) {
    out.comment = "i=" + std::to_string(result.instances);
    out.properties.emplace_back("header.oldest-pass", std::to_string(result.oldest_pass));
  } else if (result.cv == Cv::fail) {
    out.comment = result.problem;
  }
  if (!remote_ip.empty()) out.properties.emplace_back("smtp.remote-ip", std::string(remote_ip));
  return out;
}

}  // namespace portcullis::checks::arc
