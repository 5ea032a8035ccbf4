// Step "timezone": /etc/localtime as a link into the tz database, and /etc/timezone (Debian).
#include <unistd.h>

#include <stdexcept>

#include "steps/step.hpp"

namespace portcullis::firstboot {

void apply_timezone(StepContext& ctx) {
  const Target& t = ctx.target;
  const std::string target = "/usr/share/zoneinfo/" + ctx.answers.timezone;
  const auto link = t.path("/etc/localtime");
  std::filesystem::create_directories(link.parent_path());
  const auto tmp = link.parent_path() / ".localtime.firstboot-tmp";
  std::filesystem::remove(tmp);
  std::filesystem::create_symlink(target, tmp);
  std::filesystem::rename(tmp, link);  // atomic: there is always a /etc/localtime
  t.write_file("/etc/timezone", ctx.answers.timezone + "\n", 0644);
  t.log() << "  time zone " << ctx.answers.timezone << '\n';
}

}  // namespace portcullis::firstboot
