// Bootstrap configuration: the small TOML file /etc/portcullis/portcullis.toml.
// Every key has a default, so an empty file works. Unknown keys and bad values are
// ConfigError exceptions whose message names the key and the line.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::core {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class ListenerRole { inbound, submission };
// off: plain only; starttls: offered when a certificate is set (default); implicit: TLS from
// the first byte (port 465, "submissions").
enum class ListenerTls { off, starttls, implicit };

struct ListenerConfig {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 2525;
  ListenerRole role = ListenerRole::inbound;
  ListenerTls tls = ListenerTls::starttls;
  bool require_tls = false;  // MAIL only after STARTTLS (530 5.7.0)
  bool operator==(const ListenerConfig&) const = default;
};

struct Limits {
  std::size_t message_size = 25 * 1024 * 1024;  // octets, announced in SIZE
  std::size_t recipients = 100;                 // per message
  unsigned errors = 10;                         // protocol errors before 421
  unsigned sessions = 500;                      // concurrent sessions overall
  unsigned sessions_per_ip = 50;                // concurrent sessions per client IP
  bool operator==(const Limits&) const = default;
};

struct Timeouts {  // RFC 5321 4.5.3.2 values by default
  std::chrono::seconds command{300};
  std::chrono::seconds data_block{180};   // between reads inside DATA/BDAT
  std::chrono::seconds connect{30};       // outbound connect
  std::chrono::seconds greeting{300};     // outbound: wait for banner
  std::chrono::seconds data_done{600};    // outbound: wait for reply after final "."
  std::chrono::seconds dns{10};           // one DNS lookup
  std::chrono::seconds greet_delay{0};    // inbound: pause before the banner; a client that
                                          // talks during it is an early talker (554)
  std::chrono::seconds shutdown{10};      // SIGTERM: how long sessions may finish their
                                          // transaction before they get 421
  bool operator==(const Timeouts&) const = default;
};

struct Delivery {
  std::vector<std::string> resolvers;       // "IP" or "IP:PORT"; empty = /etc/resolv.conf
  std::chrono::seconds retry_base{60};      // first retry delay, doubled per attempt
  std::chrono::seconds retry_max{3600};     // cap of the delay
  std::chrono::seconds expiry{5 * 24 * 3600};  // then bounce
  unsigned concurrency_per_destination = 10;
  unsigned concurrency = 100;               // outbound connections overall
  std::chrono::seconds idle_connection{5};  // keep a delivered-on connection for reuse
  uint16_t mx_port = 25;                    // port used for MX delivery (tests point it at a sink)
  bool operator==(const Delivery&) const = default;
};

struct Config {
  std::filesystem::path source;  // file it was read from (empty: defaults)
  std::string hostname;          // default: the system's host name
  std::string log_level = "info";
  std::filesystem::path spool_dir = "/var/spool/portcullis";
  std::filesystem::path data_dir = "/var/lib/portcullis";
  std::string store;  // default: "sqlite:" + data_dir/portcullis.db
  std::filesystem::path store_password_file;  // MariaDB password (first line); empty: none
  std::vector<ListenerConfig> listeners{ListenerConfig{}};
  Limits limits;
  Timeouts timeouts;
  Delivery delivery;
  std::chrono::seconds policy_refresh{1};  // how often the daemon polls the store for changes
  std::filesystem::path control_socket = "/run/portcullis/control.sock";  // for the CLI
  std::string control_group = "portcullis";  // the socket's group (mode 0660)
  // Started as root, the daemon (and the CLI) become this user and group after start-up
  // (sandbox/privileges.hpp); group empty: the user's primary group.
  std::string user = "portcullis";
  std::string group;
  // The system call filter (sandbox/seccomp_filter.hpp): "enforce" (a call outside the
  // allow-list kills the process), "log" (the kernel logs it, the call goes on) or "off".
  std::string seccomp = "enforce";
  std::string metrics_address;               // [metrics] address "IP:PORT"; empty: off
  struct Tls {
    std::filesystem::path cert_dir = "/etc/portcullis/certs";  // NAME.crt + NAME.key (tls/cert_store.hpp)
    std::chrono::seconds ticket_rotation{12 * 3600};            // session ticket key lifetime
    std::filesystem::path ca_file;  // outbound verify: CAs trusted besides the system's (PEM)
    bool mta_sts = true;             // honour recipient domains' MTA-STS policies (RFC 8461)
    uint16_t mta_sts_port = 443;     // where policies are fetched (tests use another port)
    // Honour next hops' DANE TLSA records (RFC 7672); only in effect when every DNS resolver
    // is on this host (a local validating resolver: its AD bit is trusted).
    bool dane = true;
    bool operator==(const Tls&) const = default;
  } tls;
  struct Rules {
    std::filesystem::path dir = "/etc/portcullis/rules.d";  // *.lua, read in name order
    unsigned workers = 2;                                   // threads, one Lua state each
    uint64_t instructions = 5'000'000;                      // per handler call
    std::size_t memory_mb = 32;                             // per Lua state
    std::chrono::milliseconds time_limit{500};              // per handler call
    bool failure_tempfails = true;  // on_failure: "tempfail" (true) or "continue"
    std::chrono::seconds poll{2};   // how often the folder is checked for changes
    bool operator==(const Rules&) const = default;
  } rules;
  struct Auth {  // sender authentication (docs/authentication.md); policy is in the store's settings
    // DMARC's organisational domains (Debian's publicsuffix package); unreadable: DMARC is off.
    std::filesystem::path public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
    bool operator==(const Auth&) const = default;
  } auth;
  struct Scanners {  // [scanners] (docs/spam.md): this gateway's clamd and spamd; "" = not used
    std::string clamd;  // "unix:/run/clamav/clamd.ctl" or "tcp:HOST:PORT" (ClamAV's INSTREAM)
    std::string spamd;  // "tcp:127.0.0.1:783" or "unix:/PATH" (SpamAssassin's SPAMC/1.5)
    std::chrono::seconds timeout{60};             // one scan, connect to verdict
    std::size_t max_size = 10 * 1024 * 1024;      // larger messages are not scanned (logged)
    bool operator==(const Scanners&) const = default;
  } scanners;
  struct Quarantine {  // [quarantine]: this gateway's housekeeping (retention is a setting)
    std::chrono::seconds sweep{300};  // expired messages deleted, digests sent, this often
    bool operator==(const Quarantine&) const = default;
  } quarantine;
  struct Tracking {
    bool enabled = true;                          // write the message log (portcullis log search)
    std::chrono::seconds retention{30 * 86400};   // messages older than this are pruned
    bool operator==(const Tracking&) const = default;
  } tracking;
};

// Reads and validates the file. Relative paths inside it are resolved against base_dir
// (the current directory if empty).
Config load_config(const std::filesystem::path& file, const std::filesystem::path& base_dir = {});
// Parses TOML text (name is used in error messages).
Config parse_config(const std::string& text, const std::string& name = "config",
                    const std::filesystem::path& base_dir = {});

}  // namespace portcullis::core
