// Store: the one narrow interface to policy and state (see design.md "Storage").
// Backends: SQLite (embedded default, this room's sqlite/) and MariaDB (this room's mariadb/).
// Every method may throw StoreError; callers on the event loop must not call it directly
// (run it on a worker pool) — the daemon reads policy through policy::Snapshot instead.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::store {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class RecipientMode { all, specified };

struct Domain {
  std::string name;              // lower-case ASCII (A-label), no trailing dot
  std::string destination_host;  // next hop for mail to this domain (host name or IP literal)
  uint16_t destination_port = 25;
  RecipientMode recipients = RecipientMode::all;
};

struct Recipient {
  std::string address;  // local@domain, domain lower-cased
};

struct Alias {
  std::string address;               // local@domain (or the domain's catch-all "@domain")
  std::vector<std::string> targets;  // one or more addresses
};

struct RelayNet {
  std::string cidr;  // normalised, e.g. "192.0.2.0/24", "2001:db8::/32"
  std::string note;
};

// Outbound TLS for mail to one destination domain (ours, relayed to the organisation's
// server, or any other). mode: none (never STARTTLS) | may (opportunistic, the default) |
// encrypt (TLS required, certificate not checked) | verify (TLS required, the certificate
// must chain to a trusted CA and name the next hop, or one of match_names).
struct TlsPolicy {
  std::string domain;       // lower-case
  std::string mode;
  std::string match_names;  // comma-separated host names ('' = the next hop's own name)
  std::string note;
};

// A DKIM signing key (RFC 6376; RFC 8463 for Ed25519) of one signing domain and selector. The
// public half is published at "<selector>._domainkey.<domain>". private_pem is a secret: it is
// never logged nor shown by a listing (the store's error messages never contain it).
struct DkimKey {
  std::string domain;       // lower-case A-label, no trailing dot
  std::string selector;     // lower-case, DNS label(s)
  std::string algorithm;    // "rsa-sha256" | "ed25519-sha256"
  std::string private_pem;  // PKCS#8 PEM
  std::string public_txt;   // the DNS TXT record value "v=DKIM1; k=rsa; p=..."
  bool active = true;       // signs outbound mail; inactive keys are kept for rotation
  int64_t created = 0;      // unix seconds
};

// One message that a DMARC record (RFC 7489) applied to: the raw material of the aggregate
// reports (RFC 7489 section 7.2). State, not policy: recording one does not bump the serial.
struct DmarcRow {
  int64_t received = 0;       // unix seconds
  std::string queue_id;
  std::string source_ip;
  std::string header_from;    // the RFC5322.From domain
  std::string envelope_from;  // the MAIL FROM domain ("" for the null sender)
  std::string policy_domain;  // where the DMARC record was found
  std::string published;      // the record's policy in short: "p=reject sp=none pct=100 adkim=r aspf=r"
  std::string disposition;    // none | quarantine | reject (what we did)
  std::string dmarc;          // pass | fail
  std::string spf_domain, spf_result;
  std::string dkim;           // "d=example.com s=sel result=pass; d=... " (every signature)
  std::string reason;         // e.g. "sampled_out", "local_policy", ""
};

// ---- message log ("message tracking") ----

// One recipient's delivery state. status: queued | delivered | deferred | bounced | expired |
// rejected | deleted. `reply` is the last reply (or the reason), `relay` the host it came from.
struct DeliveryRecord {
  std::string recipient;
  std::string status = "queued";
  std::string reply;
  std::string relay;
  unsigned attempts = 0;
  int64_t updated = 0;  // unix seconds
  std::string tls;  // "TLSv1.3 TLS_AES_256_GCM_SHA384" of the last attempt's hop, "" in clear
};

// One received message: written when it is queued, its deliveries updated as they happen.
struct MessageRecord {
  std::string queue_id;
  int64_t received = 0;  // unix seconds
  std::string client_ip;
  std::string helo;
  std::string tls;       // "" (plain) or "TLSv1.3 TLS_AES_256_GCM_SHA384"
  std::string sender;    // "" for the null sender
  uint64_t size = 0;
  std::string verdict;   // accept | reject | tempfail | discard | quarantine
  double score = 0;
  std::string symbols;   // space-separated check symbols
  std::string gateway;   // host name of the gateway that received it (several share a store)
  std::vector<DeliveryRecord> deliveries;  // one per recipient, in envelope order
};

// Search: every given field must match; sender/recipient match a whole address or, when
// starting with '@', a domain (suffix "@domain"), ASCII case-insensitively. Newest first
// (received, then queue id, descending), at most `limit` (0 = 100) messages. sender "<>"
// finds messages from the null sender (bounces).
struct MessageQuery {
  std::string queue_id;
  std::string sender;
  std::string recipient;
  int64_t since = 0;  // received >= since (0: no bound)
  int64_t until = 0;  // received < until (0: no bound)
  std::size_t limit = 100;
};

// ---- reputation state (used by the checks of later issues; shared by gateways) ----

// Greylisting triplet: client network (/24 or /64 as CIDR), sender, recipient.
struct GreylistEntry {
  std::string client_net;
  std::string sender;
  std::string recipient;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  unsigned passed = 0;  // messages accepted after the delay
};

// A client banned automatically (too many failures) until `until`.
struct Ban {
  std::string ip;
  int64_t until = 0;
  std::string reason;
  int64_t created = 0;
};

// An IP range with a policy, hMailServer's model: the matching range of highest priority
// decides. expires 0 = never.
enum class RangeAction { allow, deny };
struct IpRange {
  std::string name;  // unique
  std::string cidr;  // normalised
  int priority = 0;
  RangeAction action = RangeAction::allow;
  int64_t expires = 0;
  std::string note;
};

// ---- spam and malware protection (schema 7; docs/spam.md) ----

// Score thresholds above this never trigger (spamd's and the checks' scores stay far below):
// "off". The CLI stores kThresholdOff for "off"; the store takes any finite value up to
// kMaxThreshold in absolute terms.
inline constexpr double kThresholdNever = 1000;
inline constexpr double kThresholdOff = 10000;
inline constexpr double kMaxThreshold = 1000000;

// A named spam and malware policy (policy: changes bump the serial). A message's score at or
// above reject_score is refused, else at or above quarantine_score held, else at or above
// tag_score delivered marked (X-Spam-Status: Yes, subject_tag before the subject). The
// thresholds that are on (<= kThresholdNever) must rise: tag <= quarantine <= reject (the
// store refuses anything else); one above kThresholdNever is off and exempt.
// name: [a-z0-9][a-z0-9._-]{0,63}. subject_tag: "" = no tag; one line of UTF-8, <= 64 octets.
struct SpamPolicy {
  std::string name = {};
  double tag_score = 5;
  double quarantine_score = 10;
  double reject_score = 15;
  std::string subject_tag = "[SPAM]";
  std::string virus_action = "reject";       // reject | quarantine | discard
  std::string attachment_action = "reject";  // reject | remove | quarantine | off
  bool greylisting = false;  // opt-in: it delays the first mail of every new sender
  bool spam_scan = true;   // ask spamd
  bool virus_scan = true;  // ask clamd
  std::string scanner_failure = "tempfail";  // tempfail (fail closed) | accept (fail open)
  std::string note = {};
};

// Which policy applies to a recipient: target is "local@domain" (lower-cased), "@domain" or
// "*" (everyone else); the most specific one wins.
struct SpamPolicyTarget {
  std::string target = {};
  std::string policy = {};
};

// A DNS block list zone (policy). expect: "" = any answer in 127.0.0.0/8, else a pattern of
// the answers that count ("127.0.0.2", "127.0.0.*", "127.0.0.2-11", comma lists; parsed by
// checks/dnsbl). action "block" refuses the client at `stage`; "score" adds `score`.
struct DnsblZone {
  std::string zone = {};  // lower-case DNS name, no trailing dot
  std::string expect = {};
  std::string action = "score";  // block | score
  double score = 0;
  std::string stage = "connect";  // connect | rcpt
  std::string note = {};
};

// The index of held messages (state: no serial bump), one row per (queue id, recipient); the
// message file itself is in the spool of `gateway`. recipient is stored lower-cased (the held
// file's envelope keeps the original). subject: UTF-8, at most 255 characters (the caller cuts
// it). expires: unix seconds, 0 = never.
struct QuarantineEntry {
  std::string id = {};
  std::string recipient = {};
  int64_t received = 0;
  std::string sender = {};
  std::string subject = {};
  std::string reason = {};
  double score = 0;
  uint64_t size = 0;
  std::string gateway = {};
  int64_t expires = 0;
};

// Every given field must match: id exactly, recipient a whole address or (starting with '@')
// a domain, ASCII case-insensitively, gateway exactly; received >= since. Newest first
// (received, then id, descending; then recipient), at most `limit` (0 = 100) rows.
struct QuarantineQuery {
  std::string id = {};
  std::string recipient = {};
  std::string gateway = {};
  int64_t since = 0;
  std::size_t limit = 100;
};

// How often a recipient gets a digest of their held messages (state). recipient lower-cased.
struct DigestSetting {
  std::string recipient = {};
  std::string frequency = "daily";  // off | daily | weekly
  int64_t last_sent = 0;            // unix seconds, 0 = never
};

// An administrator account. password_hash is a PHC string of the memory-hard KDF
// (core/password.hpp); the store never sees a password.
struct AdminUser {
  std::string name;
  std::string password_hash;
  std::string role = "admin";  // admin | viewer
  int64_t created = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Schema
  virtual int schema_version() = 0;         // version recorded in the database (0 = empty)
  virtual int latest_schema_version() = 0;  // version this build knows
  virtual void migrate() = 0;               // bring an older database up to date

  // Monotonic counter bumped by every policy change (domains, recipients, aliases, relay
  // networks, TLS policies, IP ranges, DKIM keys, spam policies and their targets, DNSBL zones,
  // settings) by any process; the daemon polls it to reload policy.
  virtual int64_t policy_serial() = 0;

  // Domains. add_* throws StoreError if it exists already; remove_* returns false if absent.
  virtual void add_domain(const Domain& d) = 0;
  virtual void update_domain(const Domain& d) = 0;  // throws if absent
  virtual bool remove_domain(const std::string& name) = 0;
  virtual std::optional<Domain> find_domain(const std::string& name) = 0;
  virtual std::vector<Domain> list_domains() = 0;

  // Internal recipients (for domains in SPECIFIED mode).
  virtual void add_recipient(const Recipient& r) = 0;
  virtual bool remove_recipient(const std::string& address) = 0;
  virtual std::vector<Recipient> list_recipients() = 0;

  // Virtual recipients / aliases. add_alias replaces the targets of an existing alias.
  virtual void add_alias(const Alias& a) = 0;
  virtual bool remove_alias(const std::string& address) = 0;
  virtual std::vector<Alias> list_aliases() = 0;

  // Relay networks (clients allowed to relay to any domain).
  virtual void add_relaynet(const RelayNet& n) = 0;
  virtual bool remove_relaynet(const std::string& cidr) = 0;
  virtual std::vector<RelayNet> list_relaynets() = 0;

  // Outbound TLS policies (set replaces the domain's policy).
  virtual void set_tls_policy(const TlsPolicy& p) = 0;
  virtual bool remove_tls_policy(const std::string& domain) = 0;
  virtual std::vector<TlsPolicy> list_tls_policies() = 0;

  // DKIM signing keys, keyed by (domain, selector) (lower-cased). add throws StoreError if the
  // pair exists already; set_*_active and remove return false if it does not exist. Listed by
  // domain, then selector.
  virtual void add_dkim_key(const DkimKey& k) = 0;
  virtual bool set_dkim_key_active(const std::string& domain, const std::string& selector, bool active) = 0;
  virtual bool remove_dkim_key(const std::string& domain, const std::string& selector) = 0;
  virtual std::vector<DkimKey> list_dkim_keys() = 0;

  // Settings: free-form key/value (postmaster, admin-email, hostname, ...).
  virtual std::optional<std::string> get_setting(const std::string& key) = 0;
  virtual void set_setting(const std::string& key, const std::string& value) = 0;
  virtual bool remove_setting(const std::string& key) = 0;
  virtual std::vector<std::pair<std::string, std::string>> list_settings() = 0;

  // Message log. log_message inserts (or replaces) a message with its deliveries;
  // log_delivery updates one recipient of a logged message (inserting the recipient if it
  // is new, e.g. a bounce's); prune removes messages received before `before`.
  virtual void log_message(const MessageRecord& m) = 0;
  virtual void log_delivery(const std::string& queue_id, const DeliveryRecord& d) = 0;
  virtual std::vector<MessageRecord> search_messages(const MessageQuery& q) = 0;
  virtual std::size_t prune_messages(int64_t before) = 0;

  // Greylist: get by triplet, put (insert or update). expire removes the entries never passed
  // (passed = 0) first seen before `unused_before`, and the passed ones (passed > 0) last seen
  // before `used_before`; returns how many.
  virtual std::optional<GreylistEntry> greylist_get(const std::string& client_net, const std::string& sender,
                                                    const std::string& recipient) = 0;
  virtual void greylist_put(const GreylistEntry& e) = 0;
  virtual std::size_t greylist_expire(int64_t unused_before, int64_t used_before) = 0;

  // Auto-ban: add replaces an existing ban of the same IP; find ignores expired bans.
  virtual void ban_add(const Ban& b) = 0;
  virtual std::optional<Ban> ban_find(const std::string& ip, int64_t now) = 0;
  virtual bool ban_remove(const std::string& ip) = 0;
  virtual std::vector<Ban> ban_list(int64_t now) = 0;

  // IP ranges: add throws on a duplicate name; list is ordered by priority (highest first).
  virtual void add_ip_range(const IpRange& r) = 0;
  virtual bool remove_ip_range(const std::string& name) = 0;
  virtual std::vector<IpRange> list_ip_ranges() = 0;

  // Spam policies (schema 7). set inserts or replaces a policy (all its fields); remove
  // throws StoreError naming the targets while any target uses the policy, and returns false
  // if it does not exist. Listed by name. Every value is checked (SpamPolicy): a bad one throws.
  virtual void set_spam_policy(const SpamPolicy& p) = 0;
  virtual bool remove_spam_policy(const std::string& name) = 0;
  virtual std::vector<SpamPolicy> list_spam_policies() = 0;
  // Policy assignments: set inserts or replaces the target's policy, and throws StoreError if
  // that policy does not exist. Listed by target.
  virtual void set_spam_policy_target(const SpamPolicyTarget& t) = 0;
  virtual bool remove_spam_policy_target(const std::string& target) = 0;
  virtual std::vector<SpamPolicyTarget> list_spam_policy_targets() = 0;

  // DNSBL zones: add throws on a duplicate zone; listed by zone.
  virtual void add_dnsbl_zone(const DnsblZone& z) = 0;
  virtual bool remove_dnsbl_zone(const std::string& zone) = 0;
  virtual std::vector<DnsblZone> list_dnsbl_zones() = 0;

  // Quarantine index. add writes all rows in one transaction (a row of an existing (id,
  // recipient) replaces it: adding again is harmless); remove deletes the rows of `id` (of one
  // recipient, or all with "") and returns how many; expired returns, oldest expiry first, at
  // most `limit` (0 = 100) ids of `gateway` ("" = any) whose every row has 0 < expires <= now.
  virtual void quarantine_add(const std::vector<QuarantineEntry>& rows) = 0;
  virtual std::vector<QuarantineEntry> quarantine_list(const QuarantineQuery& q) = 0;
  virtual std::size_t quarantine_remove(const std::string& id, const std::string& recipient = {}) = 0;
  virtual std::vector<std::string> quarantine_expired(int64_t now, const std::string& gateway, std::size_t limit) = 0;

  // Quarantine digests. set inserts or updates a recipient's frequency (a new row takes
  // last_sent from `d`, an existing one keeps its own); digest_sent records when one was sent
  // (nothing happens for a recipient without a row). Listed by recipient.
  virtual void set_digest(const DigestSetting& d) = 0;
  virtual std::optional<DigestSetting> find_digest(const std::string& recipient) = 0;
  virtual std::vector<DigestSetting> list_digests() = 0;
  virtual void digest_sent(const std::string& recipient, int64_t when) = 0;

  // Admin users: add throws on a duplicate name; set_password_hash throws if absent.
  virtual void add_user(const AdminUser& u) = 0;
  virtual std::optional<AdminUser> find_user(const std::string& name) = 0;
  virtual void set_password_hash(const std::string& name, const std::string& hash) = 0;
  virtual bool remove_user(const std::string& name) = 0;
  virtual std::vector<AdminUser> list_users() = 0;

  // DMARC aggregate report rows. The domains of a row are stored lower-cased. dmarc_rows:
  // the rows with since <= received < until of one policy domain ("" = every domain), oldest
  // first (received, then the order they were recorded in). dmarc_prune removes the rows
  // received before `before` and returns how many.
  virtual void dmarc_record(const DmarcRow& row) = 0;
  virtual std::vector<DmarcRow> dmarc_rows(const std::string& policy_domain, int64_t since, int64_t until) = 0;
  virtual std::size_t dmarc_prune(int64_t before) = 0;

  // Key/value entries for Lua rules (counters with expiry). Keys: 1..255 octets, compared
  // exactly (case-sensitive); values: at most 64 KiB. expires: unix seconds, 0 = never; an
  // entry with 0 < expires <= now is treated as absent.
  virtual std::optional<std::string> kv_get(const std::string& key, int64_t now) = 0;
  virtual void kv_set(const std::string& key, const std::string& value, int64_t expires, int64_t now) = 0;
  // Adds delta to the integer value (absent or expired counts as 0) atomically — two gateways
  // incrementing one key never lose an update — and returns the new value. `expires` is set
  // when the entry is created (or was expired); a live entry keeps its expiry. A value that is
  // not an integer throws StoreError.
  virtual int64_t kv_incr(const std::string& key, int64_t delta, int64_t expires, int64_t now) = 0;
  virtual bool kv_delete(const std::string& key) = 0;
  virtual std::size_t kv_expire(int64_t now) = 0;  // removes expired entries; returns how many
};

// Opens a store from its URI: "sqlite:PATH" (creates the file), or
// "mariadb://USER@HOST[:PORT]/DB" / "mariadb://USER@unix:/PATH/TO/SOCKET/DB" (MariaDB) with
// the password read from `password_file` (empty: no password). Throws StoreError for an
// unknown scheme or a database that cannot be opened. Does not migrate.
std::unique_ptr<Store> open_store(const std::string& uri, const std::string& password_file = {});
// The daemon reads the password file once, before it drops its privileges (the file is
// root:portcullis 0640), and opens every later connection with the password it read.
std::string read_password(const std::string& password_file);
// Throws the StoreError open_store would give for a malformed URI (nothing else is checked).
void check_store_uri(const std::string& uri);
std::unique_ptr<Store> open_store_with_password(const std::string& uri, const std::string& password);

}  // namespace portcullis::store
