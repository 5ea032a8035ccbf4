#include "core/config.hpp"
#include "core/text.hpp"
#include "core/toml_guard.hpp"

#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <toml.hpp>

namespace portcullis::core {
namespace {

using Value = toml::value;

[[noreturn]] void fail(const Value& v, const std::string& key, const std::string& what) {
  const auto loc = v.location();
  std::ostringstream msg;
  msg << loc.file_name() << ":" << loc.line() << ": " << key << ": " << what;
  throw ConfigError(msg.str());
}

std::string join_key(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string get_string(const Value& v, const std::string& key) {
  if (!v.is_string()) fail(v, key, "expected a string");
  return v.as_string().str;
}

uint64_t get_positive(const Value& v, const std::string& key, uint64_t max) {
  if (!v.is_integer()) fail(v, key, "expected an integer");
  const auto n = v.as_integer();
  if (n <= 0 || static_cast<uint64_t>(n) > max)
    fail(v, key, "expected an integer between 1 and " + std::to_string(max));
  return static_cast<uint64_t>(n);
}

// A duration: an integer number of seconds, or a string "90s", "15m", "2h", "5d".
std::chrono::seconds get_duration(const Value& v, const std::string& key) {
  constexpr uint64_t max_seconds = 365ULL * 24 * 3600;
  if (v.is_integer()) return std::chrono::seconds(get_positive(v, key, max_seconds));
  if (!v.is_string()) fail(v, key, "expected seconds (integer) or a duration such as \"30s\", \"5m\", \"2h\", \"5d\"");
  const std::string s = v.as_string().str;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  const std::string unit(end, s.data() + s.size());
  static const std::map<std::string, uint64_t> units{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  auto u = units.find(unit);
  if (ec != std::errc() || n == 0 || u == units.end() || n > max_seconds / u->second)
    fail(v, key, "bad duration \"" + s + "\" (use e.g. \"30s\", \"5m\", \"2h\", \"5d\")");
  return std::chrono::seconds(n * u->second);
}

std::filesystem::path get_path(const Value& v, const std::string& key, const std::filesystem::path& base) {
  std::string s = get_string(v, key);
  if (s.empty()) fail(v, key, "path must not be empty");
  std::filesystem::path p(s);
  return p.is_absolute() || base.empty() ? p : base / p;
}

// "127.0.0.1:2525", "[::1]:2525"
void parse_listen_address(const Value& v, const std::string& key, ListenerConfig& out) {
  const std::string s = get_string(v, key);
  std::string host, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':')
      fail(v, key, "expected \"[IPv6]:PORT\"");
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) fail(v, key, "expected \"ADDRESS:PORT\"");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec) fail(v, key, "\"" + host + "\" is not an IP address");
  unsigned n = 0;
  auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (perr != std::errc() || end != port.data() + port.size() || n == 0 || n > 65535)
    fail(v, key, "bad port \"" + port + "\"");
  out.address = host;
  out.port = static_cast<uint16_t>(n);
}

using Handler = std::function<void(const Value&, const std::string& key)>;

// Applies handlers to the keys of a table; any key without a handler is an error.
void walk(const Value& table, const std::string& prefix, const std::map<std::string, Handler>& handlers) {
  if (!table.is_table()) fail(table, prefix.empty() ? "(top)" : prefix, "expected a table");
  for (const auto& [k, v] : table.as_table()) {
    const std::string key = join_key(prefix, k);
    auto h = handlers.find(k);
    if (h == handlers.end()) fail(v, key, "unknown key");
    h->second(v, key);
  }
}

std::string system_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "localhost";
  return buf;
}

Config from_toml(const Value& root, const std::filesystem::path& base) {
  Config c;
  bool listeners_set = false;
  auto seconds = [](std::chrono::seconds& out) {
    return [&out](const Value& v, const std::string& key) { out = get_duration(v, key); };
  };
  auto seconds_or_zero = [](std::chrono::seconds& out) {
    return [&out](const Value& v, const std::string& key) {
      out = (v.is_integer() && v.as_integer() == 0) ? std::chrono::seconds(0) : get_duration(v, key);
    };
  };
  auto size_field = [](std::size_t& out, uint64_t max) {
    return [&out, max](const Value& v, const std::string& key) { out = get_positive(v, key, max); };
  };
  auto uint_field = [](unsigned& out, uint64_t max) {
    return [&out, max](const Value& v, const std::string& key) {
      out = static_cast<unsigned>(get_positive(v, key, max));
    };
  };
  walk(root, "",
       {
           {"hostname",
            [&](const Value& v, const std::string& key) {
              c.hostname = get_string(v, key);
              if (c.hostname.empty() || c.hostname.size() > 253 ||
                  c.hostname.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                      std::string::npos)
                fail(v, key, "not a valid host name");
            }},
           {"log_level",
            [&](const Value& v, const std::string& key) {
              c.log_level = get_string(v, key);
              if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error")
                fail(v, key, "expected one of debug, info, warn, error");
            }},
           {"spool_dir", [&](const Value& v, const std::string& key) { c.spool_dir = get_path(v, key, base); }},
           {"data_dir", [&](const Value& v, const std::string& key) { c.data_dir = get_path(v, key, base); }},
           {"store_password_file",
            [&](const Value& v, const std::string& key) { c.store_password_file = get_path(v, key, base); }},
           {"store",
            [&](const Value& v, const std::string& key) {
              c.store = get_string(v, key);
              if (c.store.rfind("sqlite:", 0) == 0) {
                std::filesystem::path p(c.store.substr(7));
                if (p.empty()) fail(v, key, "sqlite: needs a path");
                if (!p.is_absolute() && !base.empty()) c.store = "sqlite:" + (base / p).string();
              } else if (c.store.rfind("mariadb://", 0) != 0) {
                fail(v, key, "expected \"sqlite:PATH\", \"mariadb://USER@HOST[:PORT]/DB\" or "
                              "\"mariadb://USER@unix:/PATH/TO/SOCKET/DB\"");
              }
            }},
           {"policy_refresh", seconds(c.policy_refresh)},
           {"control_socket",
            [&](const Value& v, const std::string& key) { c.control_socket = get_path(v, key, base); }},
           {"control_group", [&](const Value& v, const std::string& key) { c.control_group = get_string(v, key); }},
           {"user", [&](const Value& v, const std::string& key) { c.user = get_string(v, key); }},
           {"group", [&](const Value& v, const std::string& key) { c.group = get_string(v, key); }},
           {"seccomp",
            [&](const Value& v, const std::string& key) {
              c.seccomp = get_string(v, key);
              if (c.seccomp != "enforce" && c.seccomp != "log" && c.seccomp != "off")
                fail(v, key, "expected \"enforce\", \"log\" or \"off\"");
            }},
           {"metrics",
            [&](const Value& v, const std::string& key) {
              walk(v, key, {{"address", [&](const Value& a, const std::string& k) {
                               c.metrics_address = get_string(a, k);
                               const auto colon = c.metrics_address.rfind(':');
                               if (!c.metrics_address.empty() &&
                                   (colon == std::string::npos || colon + 1 == c.metrics_address.size()))
                                 fail(a, k, "expected \"IP:PORT\" (or \"\" for off)");
                             }}});
            }},
           {"rules",
            [&](const Value& v, const std::string& key) {
              walk(v, key,
                   {{"dir", [&](const Value& a, const std::string& k) { c.rules.dir = get_path(a, k, base); }},
                    {"workers", uint_field(c.rules.workers, 64)},
                    {"instructions",
                     [&](const Value& a, const std::string& k) { c.rules.instructions = get_positive(a, k, 1'000'000'000'000); }},
                    {"memory_mb", size_field(c.rules.memory_mb, 4096)},
                    {"time_limit_ms",
                     [&](const Value& a, const std::string& k) {
                       c.rules.time_limit = std::chrono::milliseconds(get_positive(a, k, 600'000));
                     }},
                    {"poll", seconds(c.rules.poll)},
                    {"on_failure", [&](const Value& a, const std::string& k) {
                       const auto f = get_string(a, k);
                       if (f == "tempfail") c.rules.failure_tempfails = true;
                       else if (f == "continue") c.rules.failure_tempfails = false;
                       else fail(a, k, "expected \"tempfail\" or \"continue\"");
                     }}});
            }},
           {"auth",
            [&](const Value& v, const std::string& key) {
              walk(v, key, {{"public_suffix_list", [&](const Value& a, const std::string& k) {
                               c.auth.public_suffix_list = get_path(a, k, base);
                             }}});
            }},
           {"scanners",
            [&](const Value& v, const std::string& key) {
              auto endpoint = [](std::string& out) {
                return [&out](const Value& a, const std::string& k) {
                  out = get_string(a, k);
                  const bool ok = out.empty() || (out.rfind("unix:/", 0) == 0 && out.size() > 6) ||
                                  (out.rfind("tcp:", 0) == 0 && out.rfind(':') > 4 && out.rfind(':') + 1 < out.size());
                  if (!ok) fail(a, k, "expected \"unix:/PATH\", \"tcp:HOST:PORT\" or \"\" (not used)");
                };
              };
              walk(v, key,
                   {{"clamd", endpoint(c.scanners.clamd)},
                    {"spamd", endpoint(c.scanners.spamd)},
                    {"timeout", seconds(c.scanners.timeout)},
                    {"max_size", size_field(c.scanners.max_size, uint64_t{1} << 31)}});
            }},
           {"quarantine",
            [&](const Value& v, const std::string& key) { walk(v, key, {{"sweep", seconds(c.quarantine.sweep)}}); }},
           {"tracking",
            [&](const Value& v, const std::string& key) {
              walk(v, key,
                   {{"enabled",
                     [&](const Value& b, const std::string& k) {
                       if (!b.is_boolean()) fail(b, k, "expected true or false");
                       c.tracking.enabled = b.as_boolean();
                     }},
                    {"retention", seconds(c.tracking.retention)}});
            }},
           {"tls",
            [&](const Value& v, const std::string& key) {
              walk(v, key,
                   {{"cert_dir", [&](const Value& a, const std::string& k) { c.tls.cert_dir = get_path(a, k, base); }},
                    {"ticket_rotation", seconds(c.tls.ticket_rotation)},
                    {"ca_file", [&](const Value& a, const std::string& k) { c.tls.ca_file = get_path(a, k, base); }},
                    {"mta_sts", [&](const Value& b, const std::string& k) {
                       if (!b.is_boolean()) fail(b, k, "expected true or false");
                       c.tls.mta_sts = b.as_boolean();
                     }},
                    {"dane", [&](const Value& b, const std::string& k) {
                       if (!b.is_boolean()) fail(b, k, "expected true or false");
                       c.tls.dane = b.as_boolean();
                     }},
                    {"mta_sts_port", [&](const Value& v2, const std::string& k) {
                       c.tls.mta_sts_port = static_cast<uint16_t>(get_positive(v2, k, 65535));
                     }}});
            }},
           {"listener",
            [&](const Value& v, const std::string& key) {
              if (!v.is_array()) fail(v, key, "expected [[listener]] tables");
              c.listeners.clear();
              listeners_set = true;
              for (const auto& item : v.as_array()) {
                ListenerConfig l;
                walk(item, key,
                     {{"address", [&](const Value& a, const std::string& k) { parse_listen_address(a, k, l); }},
                      {"role", [&](const Value& r, const std::string& k) {
                         const auto role = get_string(r, k);
                         if (role == "inbound") l.role = ListenerRole::inbound;
                         else if (role == "submission") l.role = ListenerRole::submission;
                         else fail(r, k, "expected \"inbound\" or \"submission\"");
                       }},
                      {"tls", [&](const Value& t, const std::string& k) {
                         const auto mode = get_string(t, k);
                         if (mode == "starttls") l.tls = ListenerTls::starttls;
                         else if (mode == "implicit") l.tls = ListenerTls::implicit;
                         else if (mode == "off") l.tls = ListenerTls::off;
                         else fail(t, k, "expected \"starttls\", \"implicit\" or \"off\"");
                       }},
                      {"require_tls", [&](const Value& b, const std::string& k) {
                         if (!b.is_boolean()) fail(b, k, "expected true or false");
                         l.require_tls = b.as_boolean();
                       }}});
                if (l.require_tls && l.tls == ListenerTls::off)
                  fail(item, key, "require_tls needs tls = \"starttls\" or \"implicit\"");
                c.listeners.push_back(l);
              }
              if (c.listeners.empty()) fail(v, key, "at least one listener is needed");
            }},
           {"limits",
            [&](const Value& v, const std::string& key) {
              walk(v, key,
                   {{"message_size", size_field(c.limits.message_size, 2ULL << 30)},
                    {"recipients", size_field(c.limits.recipients, 100000)},
                    {"errors", uint_field(c.limits.errors, 1000)},
                    {"sessions", uint_field(c.limits.sessions, 100000)},
                    {"sessions_per_ip", uint_field(c.limits.sessions_per_ip, 100000)}});
            }},
           {"timeouts",
            [&](const Value& v, const std::string& key) {
              walk(v, key,
                   {{"command", seconds(c.timeouts.command)},
                    {"data_block", seconds(c.timeouts.data_block)},
                    {"connect", seconds(c.timeouts.connect)},
                    {"greeting", seconds(c.timeouts.greeting)},
                    {"data_done", seconds(c.timeouts.data_done)},
                    {"dns", seconds(c.timeouts.dns)},
                    {"greet_delay", seconds_or_zero(c.timeouts.greet_delay)},
                    {"shutdown", seconds_or_zero(c.timeouts.shutdown)}});
            }},
           {"delivery",
            [&](const Value& v, const std::string& key) {
              walk(v, key,
                   {{"resolvers",
                     [&](const Value& r, const std::string& k) {
                       if (!r.is_array()) fail(r, k, "expected a list of \"IP\" or \"IP:PORT\" strings");
                       c.delivery.resolvers.clear();
                       for (const auto& s : r.as_array()) c.delivery.resolvers.push_back(get_string(s, k));
                     }},
                    {"retry_base", seconds(c.delivery.retry_base)},
                    {"retry_max", seconds(c.delivery.retry_max)},
                    {"expiry", seconds(c.delivery.expiry)},
                    {"concurrency_per_destination", uint_field(c.delivery.concurrency_per_destination, 1000)},
                    {"concurrency", uint_field(c.delivery.concurrency, 10000)},
                    {"idle_connection", seconds(c.delivery.idle_connection)},
                    {"mx_port", [&](const Value& p, const std::string& k) {
                       c.delivery.mx_port = static_cast<uint16_t>(get_positive(p, k, 65535));
                     }}});
            }},
       });
  (void)listeners_set;
  if (c.hostname.empty()) c.hostname = system_hostname();
  if (c.store.empty()) c.store = "sqlite:" + (c.data_dir / "portcullis.db").string();
  return c;
}

}  // namespace

Config parse_config(const std::string& text, const std::string& name, const std::filesystem::path& base_dir) {
  // toml11 3.7.1 overflows a heap buffer on invalid UTF-8 in a '...' string and its stack on
  // deep nesting: such text is refused before it reads it (core/toml_guard.hpp).
  if (const auto problem = find_toml_input_problem(text, 32))
    throw ConfigError(name + ":" + std::to_string(problem->line) + ": " + problem->what);
  std::istringstream in(text);
  Value root;
  try {
    root = toml::parse(in, name);
  } catch (const toml::syntax_error& e) {
    throw ConfigError(e.what());
  }
  return from_toml(root, base_dir);
}

Config load_config(const std::filesystem::path& file, const std::filesystem::path& base_dir) {
  const auto text = read_file(file);
  if (!text) throw ConfigError(file.string() + ": cannot open configuration file");
  Config c = parse_config(*text, file.string(), base_dir);
  c.source = file;
  return c;
}

}  // namespace portcullis::core
