// The prompts of the interactive wizard, one per answer (see fields.hpp).
#include "ui/fields.hpp"

#include <algorithm>

namespace portcullis::firstboot {
namespace {

const std::vector<FieldPrompt>& prompts() {
  using K = PromptKind;
  static const std::vector<FieldPrompt> all = {
      {"network.mode", K::menu, "How does the gateway get its network address?",
       {{"dhcp", "DHCP (automatic)"}, {"static", "Static address"}}},
      {"network.interface", K::text,
       "Network interfaces to set up (names or globs, e.g. en* eth*; the default suits most systems)", {}},
      {"network.address", K::text, "IP address with prefix length (e.g. 192.0.2.10/24 or 2001:db8::10/64)", {}},
      {"network.gateway", K::text, "Default gateway (inside the network above, e.g. 192.0.2.1)", {}},
      {"network.dns", K::list, "DNS servers, comma-separated (e.g. 192.0.2.53, 2001:db8::53; empty: none)", {}},
      {"system.hostname", K::text, "Host name (fully qualified, e.g. mx.example.org)", {}},
      {"system.domain", K::text, "Primary domain (default: the host name without its first label)", {}},
      {"system.timezone", K::text, "Time zone (a tz database name, e.g. Europe/Berlin or UTC)", {}},
      {"system.telemetry", K::yesno,
       "Send anonymous usage statistics (telemetry) to the Portcullis project?", {}},
      {"admin.user", K::text, "Administrator account name (console login and management)", {}},
      {"admin.password", K::password,
       "Administrator password (at least 12 characters of 3 kinds: lower, upper, digits, others; or 20+ characters)",
       {}},
      {"admin.email", K::text,
       "Administrator's e-mail address (a mailbox outside the protected domain, e.g. it@example.net)", {}},
      {"mail.domain", K::text, "Protected domain (its mail is filtered here and relayed to its server)", {}},
      {"mail.destination", K::text,
       "The domain's mail server: host, host:port or [IPv6]:port (e.g. exchange.example.org:25)", {}},
      {"mail.recipients", K::menu, "Which recipients of the domain are accepted?",
       {{"all", "Every address of the domain"}, {"specified", "Only the recipients added to the gateway"}}},
      {"mail.postmaster", K::text, "Postmaster address (in the protected domain)", {}},
      {"mail.relay_networks", K::list,
       "Networks allowed to relay outgoing mail, CIDRs comma-separated (e.g. 192.0.2.0/24; empty: none)", {}},
      {"tls.mode", K::menu, "The TLS certificate of the gateway",
       {{"selfsign", "Create a self-signed certificate"}, {"import", "Import a certificate and key from files"}}},
      {"tls.certificate", K::text, "Certificate file (PEM; relative paths from the current folder)", {}},
      {"tls.key", K::text, "Private key file of the certificate (PEM)", {}},
      {"tls.chain", K::text, "Intermediate certificates file (PEM; empty: none)", {}},
      {"dkim.selector", K::text, "DKIM selector (a DNS label; the key is published at SELECTOR._domainkey)", {}},
      {"dkim.key", K::menu, "The DKIM key of the protected domain",
       {{"rsa", "RSA 2048 bits (verified everywhere)"},
        {"rsa4096", "RSA 4096 bits (a DNS record too long for some providers)"},
        {"ed25519", "Ed25519 (small; not every receiver verifies it yet)"}}},
  };
  return all;
}

std::string mode_of(const AnswerMap& answers, const std::string& key) {
  const auto m = with_defaults(answers);
  const auto it = m.find(key);
  return it == m.end() ? std::string{} : it->second;
}

}  // namespace

const FieldPrompt* field_prompt(const std::string& key) {
  const auto& all = prompts();
  const auto it = std::find_if(all.begin(), all.end(), [&](const FieldPrompt& p) { return p.key == key; });
  return it == all.end() ? nullptr : &*it;
}

bool field_in_use(const std::string& key, const AnswerMap& answers) {
  if (key == "network.address" || key == "network.gateway" || key == "network.dns")
    return mode_of(answers, "network.mode") == "static";
  if (key.starts_with("tls.") && key != "tls.mode") return mode_of(answers, "tls.mode") == "import";
  return true;
}

std::vector<std::string> asked_fields(const std::vector<std::string>& fields, const AnswerMap& answers) {
  std::vector<std::string> out;
  for (const auto& key : fields)
    if (field_prompt(key) && field_in_use(key, answers)) out.push_back(key);
  return out;
}

AnswerMap in_use_answers(const AnswerMap& answers) {
  AnswerMap out = answers;
  std::erase_if(out, [&](const auto& kv) { return !field_in_use(kv.first, answers); });
  return out;
}

}  // namespace portcullis::firstboot
