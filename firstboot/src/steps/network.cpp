// Step "network": one systemd-networkd file for the gateway's interface, DHCP or static.
// On the running system networkd is told to reload it.
#include <sstream>

#include "steps/step.hpp"

namespace portcullis::firstboot {

constexpr const char* network_file = "/etc/systemd/network/10-portcullis.network";

void apply_network(StepContext& ctx) {
  const auto& n = ctx.answers.network;
  std::ostringstream f;
  f << "# Written by portcullis-firstboot; change it with: portcullis-firstboot --reconfigure network\n"
    << "[Match]\nName=" << n.match << "\n\n[Network]\n";
  if (n.dhcp) {
    f << "DHCP=yes\n";
  } else {
    f << "Address=" << n.address << "\nGateway=" << n.gateway << '\n';
    for (const auto& server : n.dns) f << "DNS=" << server << '\n';
  }
  ctx.target.write_file(network_file, f.str(), 0644);
  ctx.target.log() << "  " << network_file << ": " << (n.dhcp ? "DHCP" : n.address + " via " + n.gateway) << '\n';
  std::error_code ec;
  if (ctx.target.live() && std::filesystem::exists("/run/systemd/netif", ec) &&
      std::filesystem::exists("/usr/bin/networkctl", ec))
    ctx.target.run({"/usr/bin/networkctl", "reload"});
}

}  // namespace portcullis::firstboot
