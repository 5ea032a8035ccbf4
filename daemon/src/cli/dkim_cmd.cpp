// portcullis dkim keygen|import|list|show|activate|deactivate|delete — the outbound DKIM signing
// keys (store::DkimKey; checks/dkim/sign.hpp). Private keys are made here and go to the store
// only: no command ever prints one. Every active key of a domain signs its mail (an RSA and an
// Ed25519 key: dual signing); the daemon picks changes up through the store's policy serial.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/crypto.hpp"
#include "checks/dkim/key_record.hpp"
#include "checks/dkim/sign.hpp"
#include "checks/dmarc/psl.hpp"
#include "checks/dmarc/punycode.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "mail/address.hpp"

namespace portcullis::cli {
namespace {

namespace dkim = checks::dkim;
namespace dmarc = checks::dmarc;

constexpr const char* keygen_synopsis =
    "dkim keygen DOMAIN --selector S [--ed25519] [--bits 2048|3072|4096] [--inactive]";
constexpr const char* import_synopsis = "dkim import DOMAIN --selector S --key FILE.pem [--inactive]";
constexpr std::size_t kMaxDnsName = 253;
constexpr std::size_t kMaxTxtString = 255;     // octets in one <character-string> (RFC 1035 3.3)
constexpr std::size_t kMaxKeyFile = 64 * 1024;  // a PEM key is a few KiB at most

// ---- arguments ----

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The signing domain (d=): lower-cased, one trailing dot dropped, letters, digits and hyphens.
// Internationalised names are taken in A-label form only ("xn--..." labels must decode); a
// U-label is refused with its A-label as a hint, since the conversion here does no IDNA2008
// mapping (case folding, normalisation) and a wrong name would sign nothing.
std::string domain_arg(const std::string& text) {
  std::string_view name = text;
  if (name.ends_with('.')) name.remove_suffix(1);
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    const auto ascii = dmarc::domain_to_ascii(name);
    if (!ascii || !mail::normalize_domain(*ascii)) throw UsageError("'" + text + "' is not a valid domain name");
    throw UsageError("'" + text + "' is an internationalised domain name: give it in A-label form (" + *ascii +
                     " if it is written in lower case; 'idn2' converts any)");
  }
  const auto ascii = mail::normalize_domain(name);
  if (!ascii) throw UsageError("'" + text + "' is not a valid domain name");
  std::string_view rest = *ascii;
  std::string_view label;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    label = rest.substr(0, dot);
    rest.remove_prefix(dot == std::string_view::npos ? rest.size() : dot + 1);
    if (label.starts_with("xn--") && !dmarc::punycode_decode(label.substr(4)))
      throw UsageError("'" + text + "': '" + std::string(label) + "' is not a valid A-label");
  }
  if (all_digits(label)) throw UsageError("'" + text + "' is an address, not a domain name");
  return *ascii;
}

// The selector (s=): DNS labels of letters, digits and hyphens (RFC 6376 3.1), lower-cased.
std::string selector_arg(const std::string& text) {
  const auto s = mail::normalize_domain(text);
  if (!s)
    throw UsageError("'" + text +
                     "' is not a valid selector (DNS labels of letters, digits and inner hyphens, e.g. s2026a)");
  return *s;
}

std::string record_name(const std::string& domain, const std::string& selector) {
  return selector + "._domainkey." + domain;
}

void check_record_name(const std::string& domain, const std::string& selector) {
  const std::string name = record_name(domain, selector);
  if (name.size() > kMaxDnsName)
    throw UsageError("the record name " + name + " is longer than 253 octets: use a shorter selector");
}

// Refuses a public suffix (com, co.uk, github.io...): a key there would sign the mail of
// every domain under it (the daemon takes a parent domain's keys for a subdomain without).
// Without the list nothing is known, so nothing is stored.
void refuse_public_suffix(const Context& ctx, const std::string& domain) {
  const auto& file = ctx.config.auth.public_suffix_list;
  const auto psl = [&] {
    try {
      return dmarc::PublicSuffixList::load(file);
    } catch (const std::exception& e) {
      throw CommandError(std::string("cannot check that ") + domain + " is not a public suffix: " + e.what() +
                         " (install the publicsuffix package, or set [auth] public_suffix_list)");
    }
  }();
  if (!psl.registrable_domain(domain))
    throw CommandError(domain + " is a public suffix (publicsuffix.org): a key there would sign for every domain "
                                "under it; give your own domain, e.g. example." + domain);
}

// ---- the keys ----

std::optional<store::DkimKey> find_key(store::Store& s, const std::string& domain, const std::string& selector) {
  for (auto& k : s.list_dkim_keys())
    if (k.domain == domain && k.selector == selector) return std::move(k);
  return std::nullopt;
}

std::string no_such_key(const std::string& domain, const std::string& selector) {
  return "no DKIM key " + record_name(domain, selector) + " (see 'portcullis dkim list " + domain + "')";
}

bool is_ed25519(const store::DkimKey& k) { return k.algorithm == "ed25519-sha256"; }

// "rsa-2048", "ed25519": the type and size, read from the public record (never the private key).
std::string key_kind(const store::DkimKey& k) {
  if (is_ed25519(k)) return "ed25519";
  const auto record = dkim::parse_key_record(k.public_txt);
  std::string error;
  if (record.ok() && !record.key.revoked)
    if (const auto pub = dkim::load_public_key(record.key.key_type, record.key.public_key, error))
      return "rsa-" + std::to_string(pub->bits);
  return "rsa-?";
}

// The TXT record in zone-file form: the value cut into strings of at most 255 octets (RFC 1035
// 3.3; verifiers join them, RFC 6376 3.6.2.2), between parentheses so that it may be folded.
std::string zone_record(const store::DkimKey& k) {
  std::string out = record_name(k.domain, k.selector) + ". IN TXT (";
  const std::string_view value = k.public_txt;
  for (std::size_t pos = 0; pos < value.size(); pos += kMaxTxtString) {
    out += " \"";
    for (const char c : value.substr(pos, kMaxTxtString)) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20 || u > 0x7e) {  // \DDD (none in a record made here)
        out += '\\';
        out += static_cast<char>('0' + u / 100);
        out += static_cast<char>('0' + u / 10 % 10);
        out += static_cast<char>('0' + u % 10);
      } else {
        out += c;
      }
    }
    out += '"';
  }
  return out + " )";
}

std::string describe(const store::DkimKey& k) { return record_name(k.domain, k.selector) + " (" + key_kind(k) + ")"; }

std::vector<store::DkimKey> active_keys_of(store::Store& s, const std::string& domain) {
  std::vector<store::DkimKey> out;
  for (auto& k : s.list_dkim_keys())
    if (k.domain == domain && k.active) out.push_back(std::move(k));
  return out;
}

// Stores a new key (keygen, import) after the checks that need the store, prints the record to
// publish and what happens next; the notes go to stderr.
int store_key(Context& ctx, store::DkimKey key) {
  auto& s = ctx.store();
  if (find_key(s, key.domain, key.selector))
    throw CommandError("DKIM key " + record_name(key.domain, key.selector) +
                       " exists already (choose another selector, or delete that key first)");
  const auto domains = s.list_domains();
  const bool ours = std::any_of(domains.begin(), domains.end(), [&](const store::Domain& d) {
    return key.domain == d.name || key.domain.ends_with("." + d.name);
  });
  if (!ours)
    ctx.err << "portcullis: warning: " << key.domain
            << " is not one of the gateway's domains nor under one (see 'portcullis domain list'); "
               "the key is stored anyway, for mail sent as " << key.domain << '\n';
  if (is_ed25519(key) && key.active) {
    const auto active = active_keys_of(s, key.domain);
    if (std::none_of(active.begin(), active.end(), [](const store::DkimKey& k) { return !is_ed25519(k); }))
      ctx.err << "portcullis: note: many receivers do not verify Ed25519 signatures yet: keep an RSA key of "
              << key.domain << " active too (dual signing)\n";
  }
  s.add_dkim_key(key);
  ctx.out << zone_record(key) << '\n';
  if (key.active)
    ctx.out << "Publish this record in DNS now: the key is active, and mail from " << key.domain
            << " is signed with it from now on.\n";
  else
    ctx.out << "Publish this record in DNS, then start signing with: portcullis dkim activate " << key.domain << ' '
            << key.selector << '\n';
  return 0;
}

struct NewKeyArgs {
  std::string domain;
  std::string selector;
  Parsed parsed;
  bool inactive = false;
};

NewKeyArgs new_key_args(const Context& ctx, std::vector<std::string> args,
                        std::initializer_list<std::string_view> options, const char* synopsis) {
  NewKeyArgs a;
  a.inactive = take_flag(args, "inactive");
  a.parsed = parse_options(args, options);
  expect_positionals(a.parsed, 1, 1, synopsis);
  const auto selector = a.parsed.option("selector");
  if (!selector) throw UsageError("missing --selector S: usage: portcullis " + std::string(synopsis));
  a.domain = domain_arg(a.parsed.positional[0]);
  a.selector = selector_arg(*selector);
  check_record_name(a.domain, a.selector);
  refuse_public_suffix(ctx, a.domain);
  return a;
}

int keygen(Context& ctx, std::vector<std::string> args) {
  const bool ed25519 = take_flag(args, "ed25519");
  const auto a = new_key_args(ctx, std::move(args), {"selector", "bits"}, keygen_synopsis);
  int bits = 2048;
  if (const auto b = a.parsed.option("bits")) {
    if (ed25519) throw UsageError("--bits is for RSA keys (an Ed25519 key has no size to choose)");
    if (*b != "2048" && *b != "3072" && *b != "4096")
      throw UsageError("--bits must be 2048, 3072 or 4096 (not '" + *b + "'; RSA keys under 2048 bits are weak)");
    bits = std::stoi(*b);
  }
  // Duplicates are refused before the (slow) generation, and again by the store.
  if (find_key(ctx.store(), a.domain, a.selector))
    throw CommandError("DKIM key " + record_name(a.domain, a.selector) +
                       " exists already (choose another selector, or delete that key first)");
  const auto pkey = dkim::generate_private_key(ed25519 ? dkim::KeyType::ed25519 : dkim::KeyType::rsa, bits);
  const std::string pem = dkim::private_key_pem(pkey.get());
  const auto key = dkim::load_signing_key(a.domain, a.selector, pem);  // the daemon's own check
  store::DkimKey row;
  row.domain = a.domain;
  row.selector = a.selector;
  row.algorithm = ed25519 ? "ed25519-sha256" : "rsa-sha256";
  row.private_pem = pem;
  row.public_txt = dkim::dns_txt_record(key);
  row.active = !a.inactive;
  row.created = static_cast<int64_t>(std::time(nullptr));
  return store_key(ctx, std::move(row));
}

int import_key(Context& ctx, std::vector<std::string> args) {
  const auto a = new_key_args(ctx, std::move(args), {"selector", "key"}, import_synopsis);
  const auto file = a.parsed.option("key");
  if (!file) throw UsageError(std::string("missing --key FILE.pem: usage: portcullis ") + import_synopsis);
  // Read before the store is opened: run as root, the CLI then becomes the gateway's user, and
  // the key file may be readable by root only.
  std::error_code ec;
  const auto size = std::filesystem::file_size(*file, ec);
  if (ec || !std::filesystem::is_regular_file(*file, ec)) throw CommandError("cannot read the key file " + *file);
  if (size > kMaxKeyFile) throw CommandError("the key file " + *file + " is too large for a PEM private key");
  const auto text = core::read_file(*file);
  if (!text) throw CommandError("cannot read the key file " + *file);
  const auto key = dkim::load_signing_key(a.domain, a.selector, *text);
  if (key.type == dkim::KeyType::rsa && key.bits < 2048)
    ctx.err << "portcullis: warning: the RSA key has " << key.bits
            << " bits only: receivers may treat it as weak; replace it with a 2048-bit key soon\n";
  if (key.type == dkim::KeyType::rsa && key.bits > 4096)
    ctx.err << "portcullis: warning: the RSA key has " << key.bits
            << " bits: receivers need not verify keys over 4096 bits (RFC 8301)\n";
  store::DkimKey row;
  row.domain = a.domain;
  row.selector = a.selector;
  row.algorithm = key.type == dkim::KeyType::ed25519 ? "ed25519-sha256" : "rsa-sha256";
  row.private_pem = dkim::private_key_pem(key.key.get());  // PKCS#8, as the store keeps keys
  row.public_txt = dkim::dns_txt_record(key);
  row.active = !a.inactive;
  row.created = static_cast<int64_t>(std::time(nullptr));
  return store_key(ctx, std::move(row));
}

int list(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 0, 1, "dkim list [DOMAIN]");
  const std::string domain = p.positional.empty() ? std::string() : domain_arg(p.positional[0]);
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : ctx.store().list_dkim_keys()) {
    if (!domain.empty() && k.domain != domain && !k.domain.ends_with("." + domain)) continue;
    rows.push_back({k.domain, k.selector, key_kind(k), k.active ? "active" : "inactive",
                    core::format_utc(k.created, core::TimeStyle::iso8601)});
  }
  print_table(ctx.out, rows);
  return 0;
}

struct KeyRef {
  std::string domain;
  std::string selector;
};

KeyRef key_ref(const std::vector<std::string>& args, const std::string& command) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 2, 2, "dkim " + command + " DOMAIN SELECTOR");
  return {domain_arg(p.positional[0]), selector_arg(p.positional[1])};
}

int show(Context& ctx, const std::vector<std::string>& args) {
  const auto ref = key_ref(args, "show");
  const auto k = find_key(ctx.store(), ref.domain, ref.selector);
  if (!k) throw CommandError(no_such_key(ref.domain, ref.selector));
  ctx.out << zone_record(*k) << '\n';
  return 0;
}

int set_active(Context& ctx, const std::vector<std::string>& args, bool active) {
  const auto ref = key_ref(args, active ? "activate" : "deactivate");
  auto& s = ctx.store();
  const auto k = find_key(s, ref.domain, ref.selector);
  if (!k) throw CommandError(no_such_key(ref.domain, ref.selector));
  if (k->active == active) {
    ctx.out << "DKIM key " << describe(*k) << " is " << (active ? "active" : "inactive") << " already\n";
    return 0;
  }
  if (!s.set_dkim_key_active(ref.domain, ref.selector, active)) throw CommandError(no_such_key(ref.domain, ref.selector));
  const auto now_active = active_keys_of(s, ref.domain);
  if (active) {
    ctx.out << "activated DKIM key " << describe(*k) << ": mail from " << k->domain << " is signed with it\n";
    for (const auto& other : now_active)
      if (other.selector != k->selector && is_ed25519(other) == is_ed25519(*k))
        ctx.err << "portcullis: note: " << describe(other)
                << " is active too; once the new record is in DNS: portcullis dkim deactivate " << other.domain << ' '
                << other.selector << '\n';
  } else {
    ctx.out << "deactivated DKIM key " << describe(*k) << "; keep its DNS record for a week, for mail still under way\n";
    if (now_active.empty())
      ctx.err << "portcullis: note: " << k->domain << " has no active DKIM key left: its mail is not signed"
              << " (unless a parent domain's key applies)\n";
  }
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto ref = key_ref(args, "delete");
  auto& s = ctx.store();
  const auto k = find_key(s, ref.domain, ref.selector);
  if (!k || !s.remove_dkim_key(ref.domain, ref.selector)) throw CommandError(no_such_key(ref.domain, ref.selector));
  ctx.out << "deleted DKIM key " << describe(*k) << "; its TXT record can go from DNS\n";
  if (k->active)
    ctx.err << "portcullis: note: the key was active: mail from " << k->domain
            << " signed with it may still be under way, so keep its DNS record for a few days\n";
  return 0;
}

}  // namespace

int cmd_dkim(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "dkim");
  if (sub == "keygen") return keygen(ctx, std::move(args));
  if (sub == "import") return import_key(ctx, std::move(args));
  if (sub == "list") return list(ctx, args);
  if (sub == "show") return show(ctx, args);
  if (sub == "activate") return set_active(ctx, args, true);
  if (sub == "deactivate") return set_active(ctx, args, false);
  if (sub == "delete") return remove(ctx, args);
  throw UsageError("dkim: unknown subcommand '" + sub + "' (keygen, import, list, show, activate, deactivate, delete)");
}

}  // namespace portcullis::cli
