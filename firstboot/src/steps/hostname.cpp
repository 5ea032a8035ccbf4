// Step "hostname": the gateway's name in /etc/hostname, /etc/hosts and /etc/mailname, and the
// store's `hostname` setting (SMTP banner, EHLO, Received:).
#include <unistd.h>

#include <sstream>

#include "core/text.hpp"
#include "steps/step.hpp"

namespace portcullis::firstboot {
namespace {

// /etc/hosts with the 127.0.1.1 line (Debian's place for the host's own name) replaced.
std::string hosts_with(const std::string& current, const std::string& fqdn) {
  const std::string shortname = fqdn.substr(0, fqdn.find('.'));
  const std::string line = "127.0.1.1\t" + fqdn + " " + shortname;
  std::istringstream in(current);
  std::ostringstream out;
  std::string l;
  bool placed = false;
  while (std::getline(in, l)) {
    if (l.starts_with("127.0.1.1")) {
      if (!placed) out << line << '\n';
      placed = true;
    } else {
      out << l << '\n';
    }
  }
  if (!placed) {
    if (current.empty()) out << "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n";
    out << line << '\n';
  }
  return out.str();
}

}  // namespace

void apply_hostname(StepContext& ctx) {
  const Target& t = ctx.target;
  const std::string& name = ctx.answers.hostname;
  t.write_file("/etc/hostname", name + "\n", 0644);
  t.write_file("/etc/hosts", hosts_with(core::read_file(t.path("/etc/hosts")).value_or(""), name), 0644);
  t.write_file("/etc/mailname", name + "\n", 0644);
  ctx.store().set_setting("hostname", name);
  if (t.live() && ::sethostname(name.data(), name.size()) != 0)
    t.log() << "  (the running kernel keeps its old name until the next boot)\n";
  t.log() << "  host name " << name << ", primary domain " << ctx.answers.domain << '\n';
}

}  // namespace portcullis::firstboot
