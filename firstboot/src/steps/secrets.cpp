// Step "secrets": what makes this instance itself rather than a copy of the image — a new
// machine-id, new SSH host keys — and the group that may use the control socket.
#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>

#include "core/text.hpp"
#include "steps/step.hpp"

namespace portcullis::firstboot {
namespace {

bool valid_machine_id(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() != 32 || text == std::string(32, '0')) return false;
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A random 128-bit id in systemd's form (32 lower-case hex digits, UUID v4 bits set).
std::string new_machine_id() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("no random numbers (RAND_bytes failed)");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string out;
  char hex[3];
  for (unsigned char c : b) {
    std::snprintf(hex, sizeof hex, "%02x", c);
    out += hex;
  }
  return out;
}

void machine_id(const Target& t) {
  // An image ships an empty /etc/machine-id; on the running system PID 1 has already put a
  // fresh one in its place, which is kept (and committed by systemd-machine-id-commit).
  const auto current = core::read_file(t.path("/etc/machine-id"));
  if (current && valid_machine_id(*current)) {
    t.log() << "  machine-id: kept (already unique to this instance)\n";
    return;
  }
  t.write_file("/etc/machine-id", new_machine_id() + "\n", 0444);
  t.log() << "  machine-id: created\n";
}

void ssh_host_keys(const Target& t) {
  std::error_code ec;
  if (!std::filesystem::is_directory(t.path("/etc/ssh"), ec)) {
    t.log() << "  SSH host keys: no /etc/ssh in this system, nothing to create\n";
    return;
  }
  // Creates only the missing keys (RSA, ECDSA, Ed25519), so a second run keeps them.
  t.run({"/usr/bin/ssh-keygen", "-A", "-f", t.root().string()});
  t.log() << "  SSH host keys: present\n";
}

void control_group(const Target& t) {
  const std::string& group = t.config().control_group;
  if (group.empty() || t.group_id(group)) return;
  if (!std::filesystem::exists(t.path("/etc/group"))) return;
  t.run({"/usr/sbin/groupadd", "--root", t.root().string(), "--system", group});
  t.log() << "  group " << group << " (may use the control socket): created\n";
}

}  // namespace

void apply_secrets(StepContext& ctx) {
  machine_id(ctx.target);
  ssh_host_keys(ctx.target);
  control_group(ctx.target);
}

}  // namespace portcullis::firstboot
