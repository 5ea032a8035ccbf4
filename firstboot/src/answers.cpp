// Validation of the first-boot answers (see answers.hpp): one check per field, then the rules
// that tie fields together, every error naming the field it belongs to.
#include "answers.hpp"

#include <crypt.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <sstream>
#include <stdexcept>

#include "cli/args.hpp"
#include "core/password.hpp"
#include "core/text.hpp"
#include "policy/cidr.hpp"
#include "policy/names.hpp"
#include "policy/postmaster.hpp"
#include "tls/x509.hpp"

namespace portcullis::firstboot {
namespace {

namespace ip = boost::asio::ip;

const std::vector<std::string> keys = {
    "network.mode",        "network.interface", "network.address",   "network.gateway",  "network.dns",
    "system.hostname",     "system.domain",     "system.timezone",   "system.telemetry", "admin.user",
    "admin.password",      "admin.password_scrypt", "admin.password_crypt", "admin.email",       "mail.domain",       "mail.destination", "mail.recipients",
    "mail.postmaster",     "mail.relay_networks", "tls.mode",        "tls.certificate",  "tls.key",
    "tls.chain",           "tls.certificate_pem", "tls.key_pem",     "tls.chain_pem",    "dkim.selector",
    "dkim.key"};

std::string get(const AnswerMap& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? std::string{} : it->second;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string item = trim(rest.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

// No control characters; PEM text may have line breaks.
bool printable(const std::string& s, bool multiline) {
  return std::none_of(s.begin(), s.end(), [&](char c) {
    if (multiline && (c == '\n' || c == '\r')) return false;
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

std::optional<ip::address> parse_ip(const std::string& text) {
  boost::system::error_code ec;
  const auto a = ip::make_address(text, ec);
  if (ec || text.find('%') != std::string::npos) return std::nullopt;
  return a;
}

// A systemd.network Name= match: names or globs of [A-Za-z0-9_.:*?[]-], space-separated.
bool valid_interface_match(const std::string& text) {
  if (text.empty() || text.size() > 200) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
           c == '.' || c == ':' || c == '*' || c == '?' || c == '-' || c == '[' || c == ']';
  });
}

// tz database names: Area/Location of letters, digits, '_', '-', '+'; no "..", not absolute;
// the zone file must exist in the tree (or, for a tree without one, on this system).
std::optional<std::string> timezone_problem(const std::string& zone, const std::filesystem::path& root) {
  if (zone.empty() || zone.size() > 64 || zone.front() == '/' || zone.find("..") != std::string::npos)
    return "'" + zone + "' is not a time zone name (e.g. Europe/Berlin, UTC)";
  for (char c : zone) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return "'" + zone + "' is not a time zone name (e.g. Europe/Berlin, UTC)";
  }
  std::filesystem::path db = root / "usr/share/zoneinfo";
  std::error_code ec;
  if (!std::filesystem::is_directory(db, ec)) db = "/usr/share/zoneinfo";
  if (!std::filesystem::is_regular_file(db / zone, ec)) return "unknown time zone '" + zone + "'";
  return std::nullopt;
}

bool valid_user_name(const std::string& name) {
  // A Linux login name too: lower-case start, then [a-z0-9_-], at most 32.
  if (name.empty() || name.size() > 32 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  if (name == "root" || name == "portcullis") return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

bool valid_selector(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// crypt(3) with a fresh yescrypt salt (libxcrypt), for the console login's /etc/shadow.
std::string crypt_hash(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, salt, sizeof salt)) throw std::runtime_error("crypt_gensalt failed");
  crypt_data data{};
  const char* out = crypt_rn(password.c_str(), salt, &data, sizeof data);
  if (!out || out[0] == '*') throw std::runtime_error("crypt failed");
  return out;
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string{} : policy::lower_ascii(address.substr(at + 1));
}

// The PEM text of a tls.* answer: the _pem key, or the file it names.
struct Pem {
  std::string text;
  std::string problem;
};
Pem read_pem(const AnswerMap& m, const std::string& key, const ValidationContext& ctx) {
  const std::string file = get(m, key);
  const std::string inline_pem = get(m, key + "_pem");
  if (!file.empty() && !inline_pem.empty()) return {{}, "give the file or " + key + "_pem, not both"};
  if (!inline_pem.empty()) return {inline_pem, {}};
  if (file.empty()) return {};
  std::filesystem::path p = file;
  if (p.is_relative()) p = ctx.base_dir / p;
  auto text = core::read_file(p);
  if (!text) return {{}, "cannot read " + p.string()};
  return {std::move(*text), {}};
}

class Checker {
 public:
  Checker(const AnswerMap& m, const ValidationContext& ctx) : m_(with_defaults(m)), given_(m), ctx_(ctx) {}

  std::vector<FieldError> run() {
    for (const auto& [key, value] : given_) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) add(key, "unknown answer (a typo?)");
      else if (!printable(value, key.ends_with("_pem"))) add(key, "contains control characters");
    }
    network();
    system();
    admin();
    mail();
    tls();
    dkim();
    return std::move(errors_);
  }

 private:
  void add(const std::string& field, const std::string& message) { errors_.push_back({field, message}); }
  std::string v(const std::string& key) const { return get(m_, key); }

  void network() {
    const std::string mode = v("network.mode");
    if (!valid_interface_match(v("network.interface")))
      add("network.interface", "expected interface names or globs, e.g. 'en* eth*'");
    if (mode == "dhcp") {
      for (const char* k : {"network.address", "network.gateway", "network.dns"})
        if (!v(k).empty()) add(k, "only with network.mode = static");
      return;
    }
    if (mode != "static") {
      add("network.mode", "expected dhcp or static");
      return;
    }
    const std::string address = v("network.address");
    std::optional<policy::Cidr> net;
    std::optional<ip::address> host;
    const auto slash = address.find('/');
    if (address.empty()) add("network.address", "required for a static address, e.g. 192.0.2.10/24");
    else if (slash == std::string::npos) add("network.address", "give the prefix length too, e.g. " + address + "/24");
    else if (!(host = parse_ip(address.substr(0, slash))) || !(net = policy::Cidr::parse(address)))
      add("network.address", "'" + address + "' is not an address/prefix, e.g. 192.0.2.10/24");
    else if (host->is_unspecified() || host->is_multicast() || host->is_loopback())
      add("network.address", "'" + address + "' cannot be the gateway's address");
    else if ((net->is_v4() && net->prefix_length() > 30) || (!net->is_v4() && net->prefix_length() > 127))
      add("network.address", "a /" + std::to_string(net->prefix_length()) + " network has no room for a gateway");
    const std::string gateway = v("network.gateway");
    const auto gw = parse_ip(gateway);
    if (gateway.empty()) add("network.gateway", "required for a static address");
    else if (!gw) add("network.gateway", "'" + gateway + "' is not an IP address");
    else if (net && !net->contains(*gw)) add("network.gateway", gateway + " is not inside " + net->text());
    else if (host && *gw == *host) add("network.gateway", "the gateway cannot be the gateway's own address");
    for (const auto& server : split_list(v("network.dns")))
      if (!parse_ip(server)) add("network.dns", "'" + server + "' is not an IP address");
  }

  void system() {
    const std::string host = v("system.hostname");
    if (host.empty()) add("system.hostname", "required: the gateway's fully qualified name, e.g. mx.example.org");
    else if (!policy::is_valid_domain(host) || host.find('.') == std::string::npos)
      add("system.hostname", "'" + host + "' is not a fully qualified host name, e.g. mx.example.org");
    const std::string domain = v("system.domain");
    if (!domain.empty() && (!policy::is_valid_domain(domain) || domain.find('.') == std::string::npos))
      add("system.domain", "'" + domain + "' is not a domain name");
    if (auto problem = timezone_problem(v("system.timezone"), ctx_.root)) add("system.timezone", *problem);
    const std::string telemetry = v("system.telemetry");
    if (telemetry != "true" && telemetry != "false") add("system.telemetry", "expected true or false");
  }

  void admin() {
    const std::string user = v("admin.user");
    if (!valid_user_name(user))
      add("admin.user", "'" + user + "': 1-32 of a-z 0-9 _ - starting with a letter (not root or portcullis)");
    const std::string pw = v("admin.password");
    const std::string scrypt = v("admin.password_scrypt"), crypted = v("admin.password_crypt");
    if (!scrypt.empty() || !crypted.empty()) {
      if (!pw.empty()) add("admin.password", "give the password or its hashes, not both");
      if (!scrypt.starts_with("$scrypt$ln=") || std::count(scrypt.begin(), scrypt.end(), '$') != 4)
        add("admin.password_scrypt", "expected a $scrypt$ln=...$SALT$HASH string (portcullis user)");
      if (crypted.size() < 13 || crypted.front() != '$' || crypted.find(':') != std::string::npos)
        add("admin.password_crypt", "expected a crypt(3) hash such as $y$... (mkpasswd -m yescrypt)");
    } else if (pw.empty()) add("admin.password", "required (there is no default password)");
    else if (const auto weak = core::password_weakness(pw); !weak.empty()) add("admin.password", "too weak: " + weak);
    else if (policy::lower_ascii(pw).find(user) != std::string::npos)
      add("admin.password", "too weak: it contains the user name");
    const std::string email = v("admin.email");
    if (email.empty()) add("admin.email", "required: the administrator's own mailbox, outside the relayed domain");
    else if (auto problem = policy::validate_address(email)) add("admin.email", *problem);
    else if (domain_of(email) == policy::lower_ascii(v("mail.domain")))
      add("admin.email", "must be outside the relayed domain " + v("mail.domain") +
                             " (a mailbox that still works when the gateway does not)");
  }

  void mail() {
    const std::string domain = v("mail.domain");
    if (domain.empty()) add("mail.domain", "required (or give system.hostname so it can be derived)");
    else if (!policy::is_valid_domain(domain) || domain.find('.') == std::string::npos)
      add("mail.domain", "'" + domain + "' is not a domain name");
    const std::string dest = v("mail.destination");
    if (dest.empty()) add("mail.destination", "required: the organisation's mail server, host[:port]");
    else {
      try {
        const auto d = cli::parse_destination(dest);
        if (policy::lower_ascii(d.host) == policy::lower_ascii(v("system.hostname")))
          add("mail.destination", "'" + d.host + "' is this gateway itself (a mail loop)");
      } catch (const std::exception& e) {
        std::string what = e.what();
        if (what.starts_with("destination ")) what.erase(0, 12);
        add("mail.destination", what);
      }
    }
    const std::string mode = v("mail.recipients");
    if (mode != "all" && mode != "specified") add("mail.recipients", "expected all or specified");
    const std::string pm = v("mail.postmaster");
    if (auto problem = policy::validate_address(pm)) add("mail.postmaster", *problem);
    else if (domain_of(pm) != policy::lower_ascii(domain))
      add("mail.postmaster", "must be an address in the relayed domain " + domain);
    for (const auto& net : split_list(v("mail.relay_networks"))) {
      const auto cidr = policy::Cidr::parse(net);
      if (!cidr) add("mail.relay_networks", "'" + net + "' is not a network in CIDR notation, e.g. 192.0.2.0/24");
      else if (cidr->prefix_length() == 0)
        add("mail.relay_networks", "'" + net + "' would let the whole Internet relay (an open relay)");
    }
  }

  void tls() {
    const std::string mode = v("tls.mode");
    const bool import = mode == "import";
    if (mode != "selfsign" && !import) {
      add("tls.mode", "expected selfsign or import");
      return;
    }
    if (!import) {
      for (const char* k : {"tls.certificate", "tls.key", "tls.chain", "tls.certificate_pem", "tls.key_pem",
                            "tls.chain_pem"})
        if (!get(given_, k).empty()) add(k, "only with tls.mode = import");
      return;
    }
    const Pem cert = read_pem(m_, "tls.certificate", ctx_);
    const Pem key = read_pem(m_, "tls.key", ctx_);
    const Pem chain = read_pem(m_, "tls.chain", ctx_);
    bool ok = true;
    for (const auto& [field, pem] : {std::pair{"tls.certificate", &cert}, {"tls.key", &key}, {"tls.chain", &chain}}) {
      if (!pem->problem.empty()) add(field, pem->problem), ok = false;
    }
    if (ok && cert.text.empty()) add("tls.certificate", "required for tls.mode = import"), ok = false;
    if (ok && key.text.empty()) add("tls.key", "required for tls.mode = import"), ok = false;
    if (!ok) return;
    try {
      const auto certs = tls::chain_from_pem(cert.text + "\n" + chain.text);
      tls::Pkey pkey;
      try {
        pkey = tls::key_from_pem(key.text);
      } catch (const std::exception& e) {
        add("tls.key", e.what());
        return;
      }
      if (!tls::key_matches(certs.front().get(), pkey.get())) {
        add("tls.key", "does not match the certificate");
        return;
      }
      if (const auto bad = tls::verify_chain(certs, {}, true); !bad.empty()) add("tls.chain", bad);
      const auto info = tls::describe(certs.front().get());
      if (!tls::name_matches(info.dns_names, v("system.hostname")))
        add("tls.certificate", "is not for " + v("system.hostname") + " (it names " + core::join(info.dns_names, ", ") + ")");
    } catch (const std::exception& e) {
      add("tls.certificate", e.what());
    }
  }

  void dkim() {
    if (!valid_selector(v("dkim.selector"))) add("dkim.selector", "1-63 of a-z 0-9 - (a DNS label)");
    const std::string key = v("dkim.key");
    if (key != "rsa" && key != "rsa4096" && key != "ed25519") add("dkim.key", "expected rsa, rsa4096 or ed25519");
  }

  AnswerMap m_;
  const AnswerMap& given_;
  const ValidationContext& ctx_;
  std::vector<FieldError> errors_;
};

}  // namespace

const std::vector<std::string>& known_keys() { return keys; }

AnswerMap with_defaults(const AnswerMap& answers) {
  AnswerMap m = answers;
  auto dflt = [&](const std::string& key, const std::string& value) {
    if (get(m, key).empty()) m[key] = value;
  };
  dflt("network.mode", "dhcp");
  dflt("network.interface", "en* eth*");
  const std::string host = policy::lower_ascii(get(m, "system.hostname"));
  if (!host.empty()) m["system.hostname"] = host;
  const auto dot = host.find('.');
  if (dot != std::string::npos) dflt("system.domain", host.substr(dot + 1));
  dflt("system.timezone", "UTC");
  dflt("system.telemetry", "false");
  dflt("admin.user", "admin");
  dflt("mail.domain", policy::lower_ascii(get(m, "system.domain")));
  if (!get(m, "mail.domain").empty()) {
    m["mail.domain"] = policy::lower_ascii(get(m, "mail.domain"));
    dflt("mail.postmaster", "postmaster@" + get(m, "mail.domain"));
  }
  dflt("mail.recipients", "all");
  dflt("tls.mode", "selfsign");
  dflt("dkim.selector", "portcullis");
  dflt("dkim.key", "rsa");
  for (auto it = m.begin(); it != m.end();) it = it->second.empty() ? m.erase(it) : std::next(it);
  return m;
}

std::vector<FieldError> validate(const AnswerMap& answers, const ValidationContext& context) {
  return Checker(answers, context).run();
}

std::vector<FieldError> validate_fields(const AnswerMap& answers, const ValidationContext& context,
                                        const std::vector<std::string>& fields) {
  auto all = validate(answers, context);
  std::erase_if(all, [&](const FieldError& e) { return std::find(fields.begin(), fields.end(), e.field) == fields.end(); });
  return all;
}

std::string describe(const std::vector<FieldError>& errors) {
  std::ostringstream out;
  for (const auto& e : errors) out << e.field << ": " << e.message << '\n';
  return out.str();
}

Answers to_answers(const AnswerMap& given, const ValidationContext& context) {
  if (const auto errors = validate(given, context); !errors.empty()) throw std::invalid_argument(describe(errors));
  return typed_answers(given, context);
}

AnswerMap inline_files(AnswerMap answers, const ValidationContext& context) {
  for (const std::string key : {"tls.certificate", "tls.key", "tls.chain"}) {
    if (get(answers, key).empty()) continue;
    const Pem pem = read_pem(answers, key, context);
    if (!pem.problem.empty()) throw std::invalid_argument(key + ": " + pem.problem);
    answers[key + "_pem"] = pem.text;
    answers.erase(key);
  }
  return answers;
}

AnswerMap hash_password(AnswerMap answers) {
  const auto it = answers.find("admin.password");
  if (it == answers.end() || it->second.empty()) return answers;
  answers["admin.password_scrypt"] = core::hash_password(it->second);
  answers["admin.password_crypt"] = crypt_hash(it->second);
  answers.erase("admin.password");
  return answers;
}

Answers typed_answers(const AnswerMap& given, const ValidationContext& context) {
  const AnswerMap m = with_defaults(given);
  Answers a;
  a.network.dhcp = get(m, "network.mode") == "dhcp";
  a.network.match = get(m, "network.interface");
  a.network.address = get(m, "network.address");
  a.network.gateway = get(m, "network.gateway");
  a.network.dns = split_list(get(m, "network.dns"));
  a.hostname = get(m, "system.hostname");
  a.domain = policy::lower_ascii(get(m, "system.domain"));
  a.timezone = get(m, "system.timezone");
  a.telemetry = get(m, "system.telemetry") == "true";
  a.admin_user = get(m, "admin.user");
  a.admin_password = get(m, "admin.password");
  a.admin_email = get(m, "admin.email");
  a.mail_domain = get(m, "mail.domain");
  a.admin_password_scrypt = get(m, "admin.password_scrypt");
  a.admin_password_crypt = get(m, "admin.password_crypt");
  if (!get(m, "mail.destination").empty()) {
    const auto dest = cli::parse_destination(get(m, "mail.destination"));
    a.destination_host = dest.host;
    a.destination_port = dest.port;
  }
  a.recipients_specified = get(m, "mail.recipients") == "specified";
  a.postmaster = get(m, "mail.postmaster");
  for (const auto& net : split_list(get(m, "mail.relay_networks"))) {
    const auto cidr = policy::Cidr::parse(net);
    if (!cidr) continue;
    const std::string text = cidr->text();
    if (std::find(a.relay_networks.begin(), a.relay_networks.end(), text) == a.relay_networks.end())
      a.relay_networks.push_back(text);
  }
  a.tls_import = get(m, "tls.mode") == "import";
  if (a.tls_import) {
    const std::string chain = read_pem(m, "tls.chain", context).text;
    a.certificate_pem = read_pem(m, "tls.certificate", context).text;
    if (!chain.empty()) a.certificate_pem += "\n" + chain;
    a.key_pem = read_pem(m, "tls.key", context).text;
  }
  a.dkim_selector = get(m, "dkim.selector");
  a.dkim_key = get(m, "dkim.key");
  return a;
}

}  // namespace portcullis::firstboot
