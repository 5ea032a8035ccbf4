// portcullis dnsbl test: the RFC 5782 section 5 test points of one zone or of every configured
// zone, and optionally the lookup of one address, asked the way the daemon asks them
// (checks/dnsbl/examine.hpp over a net::Resolver, as app/daemon builds it from the
// configuration's resolvers) on an io_context of our own. Exit status 0 when every zone is
// healthy, 1 otherwise; each zone's findings are printed one a line, "ZONE: problem: ...".
#include "cli/dnsbl_test.hpp"
#include "core/ip.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <exception>
#include <optional>
#include <ostream>
#include <string_view>
#include <system_error>

#include "core/gather.hpp"
#include "checks/dnsbl/examine.hpp"
#include "checks/dnsbl/lookup.hpp"
#include "cli/args.hpp"
#include "mail/address.hpp"
#include "net/dns.hpp"

namespace portcullis::cli {
namespace {

namespace asio = boost::asio;
namespace dnsbl = checks::dnsbl;
using namespace std::chrono_literals;

constexpr const char* test_synopsis = "dnsbl test ZONE|all [--ip ADDRESS] [--server HOST[:PORT]] [--timeout SECONDS]";

// --ip: an IPv4 or IPv6 address (an IPv4-mapped one is the IPv4 address it holds).
asio::ip::address ip_arg(const std::string& text) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(text, ec);
  if (ec || text.find('%') != std::string::npos)
    throw UsageError("--ip: '" + text + "' is not an IP address (expected e.g. 192.0.2.99 or 2001:db8::1)");
  return core::unmapped(ip);
}

// --timeout: seconds, 0.1 to 60 (decimals allowed).
std::chrono::milliseconds timeout_arg(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0.1 ||
      v > 60)
    throw UsageError("--timeout: expected a number of seconds from 0.1 to 60 (not '" + text + "')");
  return std::chrono::milliseconds(std::llround(v * 1000));
}

// --server: the resolver to ask instead of the configured ones.
struct Server {
  std::string host;                         // as given (host name or address)
  std::uint16_t port = 53;
  std::optional<asio::ip::address> ip = {};  // set unless host is a name
};

Server server_arg(const std::string& text) {
  const auto bad = [&text](const std::string& why) { return UsageError("--server: '" + text + "' " + why); };
  const auto port_of = [&bad](std::string_view p) {
    const bool digits = !p.empty() && p.size() <= 5 && std::all_of(p.begin(), p.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    unsigned value = 0;
    if (digits) std::from_chars(p.data(), p.data() + p.size(), value);
    if (value < 1 || value > 65535) throw bad("has a bad port (expected 1-65535)");
    return static_cast<std::uint16_t>(value);
  };
  Server s;
  std::string_view host = text;
  boost::system::error_code ec;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) throw bad("lacks the closing ']'");
    const std::string_view rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad("has something other than ':PORT' after ']'");
      s.port = port_of(rest.substr(1));
    }
    const auto v6 = asio::ip::make_address_v6(std::string(host), ec);
    if (ec || host.find('%') != std::string_view::npos) throw bad("has no IPv6 address in the brackets");
    s.host = v6.to_string();
    s.ip = v6;
    return s;
  }
  const auto colons = std::count(host.begin(), host.end(), ':');
  if (colons > 1) {  // a bare IPv6 address, port 53
    const auto v6 = asio::ip::make_address_v6(text, ec);
    if (ec || text.find('%') != std::string::npos)
      throw bad("is not an IPv6 address (with a port, write it as [2001:db8::1]:53)");
    s.host = v6.to_string();
    s.ip = v6;
    return s;
  }
  if (colons == 1) {
    const auto colon = host.find(':');
    s.port = port_of(host.substr(colon + 1));
    host = host.substr(0, colon);
  }
  if (host.empty()) throw bad("has no host (expected HOST or HOST:PORT)");
  if (std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    const auto v4 = asio::ip::make_address_v4(std::string(host), ec);
    if (ec) throw bad("has no valid IPv4 address");
    s.host = v4.to_string();
    s.ip = v4;
    return s;
  }
  const auto name = mail::normalize_domain(host);
  if (!name) throw bad("is not an IP address or host name");
  s.host = *name;
  return s;
}

// Runs `work` on an io_context of its own with a Resolver of `options`. The Resolver is
// destroyed as soon as the work is done, so that lookups cut off by a time bound end at once
// (core/gather.hpp) instead of holding the command until the resolver gives up.
template <class T>
T with_resolver(net::ResolverOptions options, const std::function<asio::awaitable<T>(net::Resolver&)>& work) {
  asio::io_context io;
  std::optional<net::Resolver> resolver;
  resolver.emplace(io.get_executor(), std::move(options));
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, work(*resolver), [&](std::exception_ptr e, T r) {
    if (e)
      failure = e;
    else
      result = std::move(r);
    resolver.reset();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

using Checks = std::vector<std::optional<dnsbl::ZoneCheck>>;

// Every zone at once; each examine() ends within two time bounds (A, then TXT).
asio::awaitable<Checks> examine_all(net::DnsSource& dns, const std::vector<dnsbl::Zone>& zones,
                                    dnsbl::ExamineOptions options) {
  std::vector<asio::awaitable<dnsbl::ZoneCheck>> checks;
  for (const auto& z : zones) checks.push_back(dnsbl::examine(dns, z, options));
  auto gathering = core::gather(checks, 2 * options.timeout + 1s);
  co_return co_await std::move(gathering);
}

const char* prefix(dnsbl::Level level) {
  switch (level) {
    case dnsbl::Level::ok:
      return "ok: ";
    case dnsbl::Level::warning:
      return "warning: ";
    case dnsbl::Level::problem:
      return "problem: ";
    case dnsbl::Level::info:
      break;
  }
  return "";
}

}  // namespace

int dnsbl_test(Context& ctx, const std::vector<std::string>& args,
               const std::function<std::vector<store::DnsblZone>()>& configured) {
  const auto p = parse_options(args, {"ip", "server", "timeout"});
  expect_positionals(p, 1, 1, test_synopsis);
  const bool all = p.positional[0] == "all";
  const std::string zone = all ? std::string() : dnsbl_zone_arg(p.positional[0]);
  dnsbl::ExamineOptions options;
  options.timeout = dnsbl::Settings{}.timeout;  // the daemon's time bound for a client's lookups
  if (const auto t = p.option("timeout")) options.timeout = timeout_arg(*t);
  if (const auto ip = p.option("ip")) options.address = ip_arg(*ip);
  std::optional<Server> server;
  if (const auto s = p.option("server")) server = server_arg(*s);

  // The zones, with their patterns as configured.
  std::vector<dnsbl::Zone> zones;
  bool unconfigured = false;
  for (const auto& z : configured()) {
    if (!all && z.zone != zone) continue;
    dnsbl::Zone dz;
    dz.zone = z.zone;
    dz.expect = z.expect;
    zones.push_back(std::move(dz));
  }
  if (!all && zones.empty()) {
    dnsbl::Zone dz;
    dz.zone = zone;
    zones.push_back(std::move(dz));
    unconfigured = true;
  }
  if (zones.empty()) {
    ctx.out << "no DNSBL zones are configured (see 'portcullis dnsbl add')\n";
    return 0;
  }

  // The resolvers: the daemon's (the configuration's [delivery] resolvers, else
  // /etc/resolv.conf), or --server. Each try gets half the time bound and there are three,
  // so c-ares repeats a lost query within the bound and never gives up before it: a resolver
  // that does not answer shows as "no answer within N ms".
  net::ResolverOptions ropts;
  ropts.servers = ctx.config.delivery.resolvers;
  ropts.timeout = std::max(options.timeout / 2, std::chrono::milliseconds(1));
  ropts.tries = 3;
  std::string asking;
  if (server) {
    asio::ip::address ip;
    if (server->ip) {
      ip = *server->ip;
    } else {
      const std::string host = server->host;
      const auto found = with_resolver<net::AddressResult>(
          ropts, [&host](net::Resolver& r) { return r.addresses(host); });
      if (found.status != net::DnsStatus::ok || found.addresses.empty())
        throw CommandError("--server: cannot find the address of " + host + " (" +
                           std::string(net::to_string(found.status)) + ")");
      ip = found.addresses.front();
    }
    ropts.servers = {net::server_entry(ip, server->port)};
    asking = ropts.servers.front() + " (--server" + (server->ip ? "" : " " + server->host) + ")";
  } else if (!ropts.servers.empty()) {
    asking = "the configured resolvers (";
    for (std::size_t i = 0; i < ropts.servers.size(); ++i) asking += (i ? ", " : "") + ropts.servers[i];
    asking += ")";
  } else {
    asking = "the system's resolvers (/etc/resolv.conf)";
  }
  ctx.out << "asking " << asking << ", time bound " << options.timeout.count() << " ms\n";

  const Checks checks = with_resolver<Checks>(
      ropts, [&zones, &options](net::Resolver& r) { return examine_all(r, zones, options); });

  std::size_t healthy = 0;
  for (std::size_t i = 0; i < zones.size(); ++i) {
    const std::string& name = zones[i].zone;
    if (unconfigured && options.address)
      ctx.out << name << ": not a configured zone: any answer in 127.0.0.0/8 counts\n";
    if (!checks[i]) {  // examine() bounds itself: not expected
      ctx.out << name << ": problem: no result within " << (2 * options.timeout + 1s).count() << " ms\n";
      continue;
    }
    const dnsbl::Assessment a = dnsbl::assess(*checks[i]);
    for (const auto& f : a.findings) ctx.out << name << ": " << prefix(f.level) << f.text << '\n';
    if (a.healthy) ++healthy;
  }
  if (all)
    ctx.out << zones.size() << (zones.size() == 1 ? " zone" : " zones") << " tested: " << healthy << " healthy, "
            << zones.size() - healthy << " with problems\n";
  return healthy == zones.size() ? 0 : 1;
}

}  // namespace portcullis::cli
