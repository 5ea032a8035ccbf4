// portcullis tlspolicy set|remove|list — outbound TLS per destination domain (store::TlsPolicy).
#include <ostream>
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "tls/x509.hpp"

namespace portcullis::cli {
namespace {

// "example.org", ".example.org" (its subdomains) or "*" (every other domain).
std::string policy_domain(const std::string& text) {
  if (text == "*") return text;
  if (!text.empty() && text.front() == '.') return "." + domain_argument(text.substr(1));
  return domain_argument(text);
}

std::string match_argument(const std::string& text) {
  std::string out;
  std::stringstream in(text);
  std::string n;
  while (std::getline(in, n, ',')) {
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!tls::valid_dns_name(n)) throw UsageError("--match: '" + n + "' is not a valid host name");
    out += (out.empty() ? "" : ",") + n;
  }
  return out;
}

int set(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"match", "note"});
  expect_positionals(p, 2, 2, "tlspolicy set DOMAIN none|may|encrypt|verify [--match HOST,...] [--note TEXT]");
  store::TlsPolicy policy{policy_domain(p.positional[0]), p.positional[1], "", p.option("note").value_or("")};
  if (policy.mode != "none" && policy.mode != "may" && policy.mode != "encrypt" && policy.mode != "verify")
    throw UsageError("mode: expected none, may, encrypt or verify (not '" + policy.mode + "')");
  if (const auto m = p.option("match")) {
    if (policy.mode != "verify") throw UsageError("--match only applies to mode verify");
    policy.match_names = match_argument(*m);
  }
  ctx.store().set_tls_policy(policy);
  ctx.out << "set TLS policy " << policy.domain << " = " << policy.mode;
  if (!policy.match_names.empty()) ctx.out << " (certificate names: " << policy.match_names << ")";
  ctx.out << '\n';
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "tlspolicy remove DOMAIN");
  const std::string domain = policy_domain(p.positional[0]);
  if (!ctx.store().remove_tls_policy(domain)) throw CommandError("no TLS policy for " + domain);
  ctx.out << "removed TLS policy " << domain << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "tlspolicy list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : ctx.store().list_tls_policies()) rows.push_back({p.domain, p.mode, p.match_names, p.note});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_tlspolicy(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "tlspolicy");
  if (sub == "set") return set(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("tlspolicy: unknown subcommand '" + sub + "' (set, remove, list)");
}

}  // namespace portcullis::cli
