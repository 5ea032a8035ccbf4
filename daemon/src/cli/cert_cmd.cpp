// portcullis cert list|show|selfsign|import|csr|remove — the inbound TLS certificates
// (tls/cert_store.hpp). Files are written before anything touches the store, because opening
// the store as root first drops to the gateway's user (cli/context.cpp), who cannot write the
// certificate folder.
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <ctime>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/args.hpp"
#include "core/text.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"
#include "sandbox/privileges.hpp"
#include "tls/cert_store.hpp"

namespace portcullis::cli {
namespace {

tls::CertStore cert_store(const Context& ctx) {
  std::optional<gid_t> group;
  if (::geteuid() == 0) group = sandbox::resolve_identity(ctx.config.user, ctx.config.group).gid;
  return tls::CertStore(ctx.config.tls.cert_dir, group);
}

std::string name_argument(const std::string& name) {
  if (!tls::CertStore::valid_name(name))
    throw UsageError("invalid certificate name '" + name + "' (1-64 of a-z 0-9 . _ -, starting with a letter or digit)");
  return name;
}

std::vector<std::string> dns_argument(const std::optional<std::string>& text, const char* synopsis) {
  if (!text) throw UsageError(std::string("--dns is required: ") + synopsis);
  std::vector<std::string> names;
  std::stringstream in(*text);
  std::string n;
  while (std::getline(in, n, ',')) {
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!tls::valid_dns_name(n)) throw UsageError("--dns: '" + n + "' is not a valid host name");
    names.push_back(n);
  }
  if (names.empty()) throw UsageError("--dns: at least one host name");
  return names;
}

tls::KeyType key_argument(const std::optional<std::string>& text) {
  tls::KeyType t = tls::KeyType::rsa2048;
  if (text && !tls::parse_key_type(*text, t)) throw UsageError("--key: expected rsa, rsa4096, ec or ec384");
  return t;
}

std::string read_file(const std::string& path, const char* what) {
  auto text = core::read_file(path);
  if (!text) throw CommandError(std::string("cannot read the ") + what + " file " + path);
  return std::move(*text);
}

std::string date(int64_t t) { return core::format_utc(t, core::TimeStyle::plain).substr(0, 10); }

std::string joined(const std::vector<std::string>& v) { return core::join(v, ","); }

// The store's `tls-certificate` setting. As root, read by a child that drops to the gateway's
// user (so the store never gets root-owned files) while this process stays root for the files.
std::string chosen_certificate(Context& ctx) {
  if (::geteuid() != 0) return ctx.store().get_setting("tls-certificate").value_or("");
  int fds[2];
  if (::pipe(fds) != 0) throw CommandError("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw CommandError("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    int rc = 0;
    try {
      const std::string v = ctx.store().get_setting("tls-certificate").value_or("");
      if (::write(fds[1], v.data(), v.size()) != static_cast<ssize_t>(v.size())) rc = 1;
    } catch (const std::exception& e) {
      ctx.err << "portcullis: error: " << e.what() << '\n';
      rc = 1;
    }
    ctx.err.flush();
    ::_exit(rc);
  }
  ::close(fds[1]);
  std::string value;
  char buf[256];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    value.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw CommandError("cannot read the tls-certificate setting");
  return value;
}

void print_installed(Context& ctx, const std::string& verb, const std::string& name, const tls::CertInfo& info) {
  ctx.out << verb << " certificate " << name << ": " << joined(info.dns_names) << ", " << info.key << ", valid until "
          << date(info.not_after) << (info.self_signed ? ", self-signed" : ", issued by " + info.issuer) << '\n';
}

void hint_use(Context& ctx, const std::string& name) {
  ctx.out << "to offer it with STARTTLS: portcullis cert use " << name << '\n';
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "cert list");
  const auto entries = cert_store(ctx).list();  // files first, then the store (see above)
  const std::string chosen = ctx.store().get_setting("tls-certificate").value_or("");
  std::vector<std::vector<std::string>> rows{{"NAME", "IN USE", "NAMES", "KEY", "EXPIRES", "ISSUER", "STATUS"}};
  for (const auto& e : entries) {
    std::vector<std::string> row{e.name, e.name == chosen ? "yes" : ""};
    if (e.info) {
      const bool expired = e.info->not_after < static_cast<int64_t>(std::time(nullptr));
      row.insert(row.end(), {joined(e.info->dns_names), e.info->key, date(e.info->not_after),
                             e.info->self_signed ? "self-signed" : e.info->issuer,
                             !e.problem.empty() ? e.problem : (expired ? "EXPIRED" : "ok")});
    } else {
      row.insert(row.end(), {"", "", "", "", e.problem});
    }
    rows.push_back(std::move(row));
  }
  print_table(ctx.out, rows);
  if (!chosen.empty() && !cert_store(ctx).exists(chosen))
    ctx.out << "warning: tls-certificate is '" << chosen << "', which does not exist\n";
  return 0;
}

int show(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "cert show NAME");
  const auto c = cert_store(ctx).load(name_argument(p.positional[0]));
  ctx.out << "name      " << c.name << "\nsubject   " << c.info.subject << "\nissuer    " << c.info.issuer
          << "\nnames     " << joined(c.info.dns_names) << "\nkey       " << c.info.key << "\nvalid     "
          << date(c.info.not_before) << " to " << date(c.info.not_after) << "\nsha256    " << c.info.sha256 << '\n'
          << c.chain_pem;
  return 0;
}

int selfsign(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"dns", "days", "key"});
  constexpr const char* synopsis = "cert selfsign NAME --dns HOST[,HOST...] [--days N] [--key rsa|rsa4096|ec|ec384]";
  expect_positionals(p, 1, 1, synopsis);
  const std::string name = name_argument(p.positional[0]);
  const auto names = dns_argument(p.option("dns"), synopsis);
  int days = 397;  // the CA/Browser Forum's limit for public certificates; testssl.sh warns beyond
  if (const auto d = p.option("days")) {
    try {
      days = std::stoi(*d);
    } catch (const std::exception&) {
      days = 0;
    }
    if (days < 1 || days > 3650) throw UsageError("--days: expected 1-3650");
  }
  const tls::Pkey key = tls::generate_key(key_argument(p.option("key")));
  const std::string pem = tls::self_signed_pem(key.get(), names, days);
  const auto info = cert_store(ctx).install(name, pem, tls::key_to_pem(key.get()), {}, true);
  print_installed(ctx, "created", name, info);
  hint_use(ctx, name);
  return 0;
}

int import(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"cert", "key", "chain", "ca"});
  constexpr const char* synopsis = "cert import NAME --cert FILE [--key FILE] [--chain FILE] [--ca FILE]";
  expect_positionals(p, 1, 1, synopsis);
  const std::string name = name_argument(p.positional[0]);
  if (!p.option("cert")) throw UsageError(std::string("--cert is required: ") + synopsis);
  auto store = cert_store(ctx);
  std::string chain = read_file(*p.option("cert"), "certificate");
  if (const auto c = p.option("chain")) chain += "\n" + read_file(*c, "chain");
  std::string key;
  if (const auto k = p.option("key")) {
    key = read_file(*k, "key");
  } else if (const auto pending = store.pending_key(name)) {
    key = *pending;  // the key made by 'cert csr NAME'
  } else {
    throw UsageError("--key is required (no request for '" + name + "' is pending)");
  }
  const std::string ca = p.option("ca") ? read_file(*p.option("ca"), "CA") : std::string();
  try {
    const auto info = store.install(name, chain, key, ca, false);
    print_installed(ctx, "imported", name, info);
  } catch (const std::runtime_error& e) {
    throw CommandError(e.what());
  }
  hint_use(ctx, name);
  return 0;
}

int csr(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"dns", "org", "country", "key"});
  constexpr const char* synopsis = "cert csr NAME --dns HOST[,HOST...] [--org NAME] [--country CC] [--key TYPE]";
  expect_positionals(p, 1, 1, synopsis);
  const std::string name = name_argument(p.positional[0]);
  const auto names = dns_argument(p.option("dns"), synopsis);
  const std::string country = p.option("country").value_or("");
  if (!country.empty() && (country.size() != 2 || !std::isupper(static_cast<unsigned char>(country[0])) ||
                           !std::isupper(static_cast<unsigned char>(country[1]))))
    throw UsageError("--country: two capital letters (ISO 3166), e.g. DE");
  const tls::Pkey key = tls::generate_key(key_argument(p.option("key")));
  const std::string request = tls::csr_pem(key.get(), names, p.option("org").value_or(""), country);
  auto store = cert_store(ctx);
  store.write_request(name, tls::key_to_pem(key.get()), request);
  ctx.out << request;
  ctx.err << "key and request saved (" << store.csr_path(name).string() << "); when the CA has signed it: "
          << "portcullis cert import " << name << " --cert SIGNED.pem [--chain INTERMEDIATES.pem]\n";
  return 0;
}

// The default certificate for STARTTLS (the `tls-certificate` setting); checked to load first.
int use(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "cert use NAME");
  const std::string name = name_argument(p.positional[0]);
  tls::CertInfo info;
  try {
    info = cert_store(ctx).load(name).info;
  } catch (const std::runtime_error& e) {
    throw CommandError(e.what());
  }
  ctx.store().set_setting("tls-certificate", name);
  ctx.out << "set tls-certificate = " << name << " (" << joined(info.dns_names)
          << "); the daemon switches within policy_refresh\n";
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "cert remove NAME");
  const std::string name = name_argument(p.positional[0]);
  if (chosen_certificate(ctx) == name)
    throw CommandError("certificate " + name +
                       " is in use (tls-certificate): choose another one first, or import the new one under this name");
  if (!cert_store(ctx).remove(name)) throw CommandError("certificate " + name + " does not exist");
  ctx.out << "removed certificate " << name << '\n';
  return 0;
}

}  // namespace

int cmd_cert(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "cert");
  if (sub == "list") return list(ctx, args);
  if (sub == "show") return show(ctx, args);
  if (sub == "selfsign") return selfsign(ctx, args);
  if (sub == "import") return import(ctx, args);
  if (sub == "csr") return csr(ctx, args);
  if (sub == "use") return use(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  throw UsageError("cert: unknown subcommand '" + sub + "' (list, show, selfsign, import, csr, use, remove)");
}

}  // namespace portcullis::cli
