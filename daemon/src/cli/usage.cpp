// The help texts of the CLI, in one place so the overview and the groups agree.
#include <array>
#include <string_view>

#include "cli/commands.hpp"

namespace portcullis::cli {
namespace {

struct GroupHelp {
  std::string_view name;
  std::string_view synopsis;  // one line per command, without "portcullis "
  std::string_view details;
};

constexpr std::array<GroupHelp, 20> groups{{
    {"domain",
     "domain add NAME --destination HOST[:PORT] [--recipients all|specified]\n"
     "domain set NAME [--destination HOST[:PORT]] [--recipients all|specified]\n"
     "domain remove NAME\n"
     "domain list\n",
     "Domains this gateway accepts mail for, and the server each one's mail is relayed to.\n"
     "HOST is a host name, an IPv4 address or an IPv6 address in brackets; PORT defaults to 25.\n"
     "--recipients all accepts any local part; specified accepts only the addresses listed\n"
     "with 'recipient add' and the aliases. list prints: NAME  HOST:PORT  MODE\n"},
    {"recipient",
     "recipient add ADDRESS\n"
     "recipient remove ADDRESS\n"
     "recipient list\n",
     "Internal recipients: the addresses accepted for domains in 'specified' mode.\n"
     "ADDRESS must be in one of our domains; it is stored lower-cased.\n"},
    {"alias",
     "alias add ADDRESS TARGET...\n"
     "alias remove ADDRESS\n"
     "alias list\n",
     "Virtual recipients: mail to ADDRESS (in one of our domains) goes to the TARGETs instead.\n"
     "ADDRESS may be '@DOMAIN', the catch-all of that domain. Adding an existing alias replaces\n"
     "its targets. list prints: ADDRESS  TARGET TARGET...\n"},
    {"relaynet",
     "relaynet add CIDR [--note TEXT]\n"
     "relaynet remove CIDR\n"
     "relaynet list\n",
     "Relay networks: clients in them may send mail to any domain (your own mail servers).\n"
     "CIDR is ADDRESS/PREFIX or a single address; it is stored in canonical form\n"
     "(192.0.2.7/24 becomes 192.0.2.0/24). list prints: CIDR  NOTE\n"},
    {"settings",
     "settings get KEY\n"
     "settings set KEY VALUE\n"
     "settings unset KEY\n"
     "settings list\n",
     "Keys: admin-email (the administrator's mailbox), postmaster (an address in one of our\n"
     "domains; setting it aliases postmaster@, abuse@ and root@ that domain to admin-email, so\n"
     "set admin-email first), hostname (the gateway's host name), bounce-sender (From: of\n"
     "bounces). list prints: KEY  VALUE\n"},
    {"db",
     "db status\n"
     "db migrate\n",
     "status shows the schema version of the store and of this build, and whether a migration\n"
     "is needed; it never changes the store. migrate applies the missing migrations. An empty\n"
     "store is set up by any command; an older schema is migrated only by 'db migrate' (or\n"
     "portcullisd --migrate), since several gateways may share it. A newer schema is refused.\n"},
    {"log",
     "log search [--from A] [--to A] [--since TIME] [--until TIME] [--queue-id ID] [--limit N]\n"
     "log tail [--socket PATH]\n",
     "Message tracking: the messages the gateways received, newest first, each with its verdict\n"
     "and one line per recipient. A (--from, --to) is an address, @DOMAIN, or <> (bounces).\n"
     "Recipient lines: status, attempts, relay, time, last reply. TIME is an age\n"
     "(90s, 15m, 2h, 7d), a UTC date or date-time (2026-11-23, 2026-11-23T10:00Z) or @UNIXTIME.\n"
     "Filters combine; --limit defaults to 100. tail follows the running daemon's log (every\n"
     "event, whatever its log_level) until interrupted.\n"},
    {"status",
     "status [--socket PATH]\n",
     "What the running daemon is doing: version, uptime, store reachability, sessions, queue\n"
     "sizes, and counters since start (received, delivered, deferred, bounced, rejected by\n"
     "reason). Asks over the control socket (control_socket in the configuration).\n"},
    {"reload",
     "reload [--socket PATH]\n",
     "Tells the running daemon to re-read its policy and its Lua rules now (as SIGHUP does).\n"},
    {"user",
     "user add NAME [--role admin|viewer]\n"
     "user passwd NAME\n"
     "user remove NAME\n"
     "user list\n"
     "user verify NAME\n",
     "Administrator accounts. The password is asked twice on a terminal with echo off, or read\n"
     "as the first line of standard input; never from the command line. It must have 12 or more\n"
     "characters and three kinds of characters (or 20 or more). Stored as an scrypt hash.\n"
     "verify reads a password from standard input and exits 0 if it matches.\n"},
    {"rules",
     "rules check [--dir DIR]\n"
     "rules test FILE --from ADDRESS --rcpt ADDRESS [--rcpt ADDRESS...] [--client IP] [--helo NAME] [--dir DIR]\n",
     "Lua rules (rules.dir in the configuration, or --dir). check compiles every *.lua file and\n"
     "runs its top level in the sandbox, as the daemon does before it replaces the running set,\n"
     "and lists each script's handlers; errors are printed as FILE:LINE: message. test runs the\n"
     "verdict pipeline on a message file (connect, HELO, MAIL, each RCPT with the store's\n"
     "recipient decision, DATA) without sending anything, and prints every hook decision, effect,\n"
     "symbol and score, the verdict, the final recipients and the header changes. --from <> is\n"
     "the null sender; --client defaults to 192.0.2.1. See docs/lua-api.md.\n"},
    {"cert",
     "cert list\n"
     "cert show NAME\n"
     "cert selfsign NAME --dns HOST[,HOST...] [--days N] [--key rsa|rsa4096|ec|ec384]\n"
     "cert csr NAME --dns HOST[,HOST...] [--org NAME] [--country CC] [--key TYPE]\n"
     "cert import NAME --cert FILE [--key FILE] [--chain FILE] [--ca FILE]\n"
     "cert use NAME\n"
     "cert remove NAME\n",
     "TLS certificates for inbound STARTTLS, kept in tls.cert_dir (NAME.crt and NAME.key; the key\n"
     "readable by root and the gateway's group only). selfsign makes a key and a self-signed\n"
     "certificate (397 days, RSA 2048 unless --key). csr makes a key and prints a signing request\n"
     "for a CA; import NAME --cert SIGNED.pem then uses that key. import checks that the key\n"
     "belongs to the certificate and that the chain verifies against the system's trust store (or\n"
     "--ca, a private CA); importing under an existing name replaces it atomically. use makes NAME\n"
     "the default certificate (setting tls-certificate); the others answer SNI for their names.\n"
     "The daemon reloads certificates on SIGHUP / 'portcullis reload' and when the setting changes.\n"},
    {"tlspolicy",
     "tlspolicy set DOMAIN none|may|encrypt|verify [--match HOST[,HOST...]] [--note TEXT]\n"
     "tlspolicy remove DOMAIN\n"
     "tlspolicy list\n",
     "TLS for mail the gateway sends to DOMAIN (\".example.org\": its subdomains; \"*\": every other\n"
     "domain). none: never STARTTLS. may (the default without a policy): STARTTLS when offered,\n"
     "certificate not checked, clear text if the handshake fails. encrypt: TLS required (the\n"
     "message waits, 4.7.5, rather than go in clear). verify: TLS required and the certificate must\n"
     "chain to a trusted CA (system store plus tls.ca_file) and name the next hop host, or one of\n"
     "--match. Applies to our own domains' destination servers too.\n"},
    {"dkim",
     "dkim keygen DOMAIN --selector S [--ed25519] [--bits 2048|3072|4096] [--inactive]\n"
     "dkim import DOMAIN --selector S --key FILE.pem [--inactive]\n"
     "dkim list [DOMAIN]\n"
     "dkim show DOMAIN SELECTOR\n"
     "dkim activate DOMAIN SELECTOR\n"
     "dkim deactivate DOMAIN SELECTOR\n"
     "dkim delete DOMAIN SELECTOR\n",
     "DKIM keys that sign the mail the gateway sends (every active key of the sender's domain, or\n"
     "of its nearest parent domain with one, signs: one RSA and one Ed25519 key = dual signing).\n"
     "keygen makes a key here (RSA 2048 unless --bits or --ed25519), keeps the private key in the\n"
     "store only, and prints the TXT record to publish at S._domainkey.DOMAIN in zone-file form.\n"
     "A new key signs at once unless --inactive. import takes an existing unencrypted PEM key (RSA\n"
     "of 1024 bits or more, or Ed25519). DOMAIN must not be a public suffix (com, co.uk); give an\n"
     "internationalised domain in A-label form (xn--...). show prints the record again. list\n"
     "(DOMAIN and its subdomains) prints: DOMAIN  SELECTOR  TYPE-BITS  active|inactive  CREATED.\n"
     "Rotation: keygen a new selector --inactive, publish it, activate it, deactivate the old one,\n"
     "delete the old one a week later.\n"},
    {"spam-policy",
     "spam-policy set NAME [--tag S] [--quarantine S] [--reject S] [--subject-tag TEXT] "
     "[--virus reject|quarantine|discard] [--attachments reject|remove|quarantine|off] [--greylisting on|off] "
     "[--spam-scan on|off] [--virus-scan on|off] [--scanner-failure tempfail|accept] [--note TEXT]\n"
     "spam-policy remove NAME\n"
     "spam-policy list\n"
     "spam-policy show NAME\n"
     "spam-policy assign TARGET NAME\n"
     "spam-policy unassign TARGET\n",
     "Spam and malware policies. A message scoring at or above --reject (default 15) is refused,\n"
     "else at or above --quarantine (10) held, else at or above --tag (5) delivered marked\n"
     "(X-Spam-Status: Yes, --subject-tag before the subject; '' for none). A threshold is a number\n"
     "from -1000 to 1000, or off; those that are on must rise: tag <= quarantine <= reject.\n"
     "--virus: what a virus found by clamd does; --attachments: what a blocked attachment does;\n"
     "--scanner-failure: when clamd or spamd does not answer, tempfail (the sender retries) or\n"
     "accept (unscanned). NAME: 1-64 of a-z 0-9 . _ -. set on an existing policy changes only the\n"
     "options given; a new one starts from the defaults. assign gives TARGET (an address, @DOMAIN\n"
     "of our domains, or * for everyone else) a policy; the most specific target wins, and without\n"
     "any the built-in default (the defaults above) applies. A policy still assigned cannot be\n"
     "removed. list prints: NAME  tag=  quarantine=  reject=  virus=  ...  targets=\n"},
    {"quarantine-digest",
     "quarantine-digest set ADDRESS off|daily|weekly\n"
     "quarantine-digest list\n",
     "How often a recipient (an address of our domains) gets a digest of their held messages.\n"
     "list prints: ADDRESS  FREQUENCY  LAST-SENT\n"},
    {"dnsbl",
     "dnsbl add ZONE [--expect PATTERN] [--block | --score S] [--stage connect|rcpt] [--note TEXT]\n"
     "dnsbl remove ZONE\n"
     "dnsbl list\n"
     "dnsbl test ZONE|all [--ip ADDRESS] [--server HOST[:PORT]] [--timeout SECONDS]\n",
     "DNS block lists asked about each client. --block (the default) refuses a listed client at\n"
     "--stage (connect, the default, or rcpt: after RCPT TO, so postmaster@ still gets through);\n"
     "--score S adds S (-1000 to 1000; negative for allow lists) to its messages' score instead.\n"
     "--expect: the answers that count, e.g. 127.0.0.2, 127.0.0.*, 127.0.0.2-11, 127.0.0.[2..11],\n"
     "comma-separated (default: any answer in 127.0.0.0/8). list prints: ZONE  block|score=S  STAGE\n"
     "EXPECT  NOTE. test checks a zone (or every configured one) with the RFC 5782 test points:\n"
     "127.0.0.2 must be listed, 127.0.0.1 must not; --ip also looks ADDRESS up. It asks the\n"
     "configured resolvers, or --server (PORT defaults to 53), within --timeout (default 5).\n"
     "Exit status 0 if every zone is healthy, 1 with a 'problem:' line for each fault.\n"},
    {"iprange",
     "iprange add NAME CIDR --allow|--deny [--priority N] [--expires TIME] [--note TEXT]\n"
     "iprange remove NAME\n"
     "iprange list\n",
     "IP ranges: of the ranges that contain a client, the one with the highest --priority (default\n"
     "0) allows or denies it. NAME: 1-64 letters, digits, '.', '_', '-'. TIME: never (the\n"
     "default), a duration from now (90s, 15m, 2h, 30d), a UTC date or date-time, or @UNIXTIME.\n"
     "list prints, highest priority first: NAME  CIDR  allow|deny  priority=N  expires=TIME  NOTE\n"},
    {"quarantine",
     "quarantine list [--rcpt ADDRESS|@DOMAIN] [--since TIME] [--gateway HOST] [--limit N]\n"
     "quarantine show ID\n"
     "quarantine release ID...\n"
     "quarantine delete ID...\n",
     "Messages held by the spam and virus checks, the attachment rules, DMARC or a Lua rule.\n"
     "list prints one line per held recipient, newest first: ID  ARRIVED  RECIPIENT  SENDER\n"
     "SCORE  REASON  SUBJECT. show prints the envelope and the headers; release delivers the\n"
     "message (the checks are not run again); delete removes it for good. show, release and\n"
     "delete run on the gateway that holds the message (list names it with --gateway).\n"},
    {"ban",
     "ban list\n"
     "ban remove IP\n",
     "Clients banned automatically by the gateways (too many failures). list prints the bans in\n"
     "force: IP  until=TIME  since=TIME  REASON. remove lifts a ban at once.\n"},
}};

}  // namespace

std::string usage(const std::string& group) {
  for (const auto& g : groups) {
    if (g.name != group) continue;
    std::string text = "usage:\n";
    std::string_view rest = g.synopsis;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      text += "  portcullis " + std::string(rest.substr(0, nl)) + "\n";
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
    return text + "\n" + std::string(g.details);
  }
  std::string text =
      "usage: portcullis [--config FILE] [--store URI] COMMAND [ARGS...]\n"
      "\n"
      "Administers the policy of a Portcullis gateway: domains, recipients, aliases, relay\n"
      "networks, settings, TLS and DKIM keys, spam policies, DNS block lists, IP ranges and bans.\n"
      "The running daemon picks changes up by itself.\n"
      "\n"
      "global options (before COMMAND):\n"
      "  --config FILE  bootstrap configuration (default: $PORTCULLIS_CONFIG, then\n"
      "                 /etc/portcullis/portcullis.toml if present, else built-in defaults)\n"
      "  --store URI    the store to use instead of the configured one (sqlite:PATH)\n"
      "  --help, -h     this text\n"
      "  --version      the version of this build\n"
      "\n"
      "commands:\n";
  for (const auto& g : groups) {
    std::string_view rest = g.synopsis;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      text += "  " + std::string(rest.substr(0, nl)) + "\n";
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
  }
  text +=
      "  queue ...      the mail queue (see 'portcullis queue help')\n"
      "  help [GROUP]   this text, or the details of one group\n"
      "\n"
      "Exit status: 0 on success, 1 on a usage error or failure (one line on stderr).\n";
  return text;
}

}  // namespace portcullis::cli
