// The SQLite backend of store::Store: the embedded default for a single node and for tests.
// One connection per object (use one object per thread). WAL journal, so the daemon reads
// while the CLI writes; busy_timeout 5 s; foreign keys on; synchronous=NORMAL (policy data
// only: the mail queue lives in the spool, not here).
#pragma once
#include <memory>
#include <string>

#include "store/store.hpp"

namespace portcullis::store::sqlite {

class Connection;

class SqliteStore final : public Store {
 public:
  // Opens or creates the database file; throws StoreError if that fails. Does not migrate.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

  int schema_version() override;
  int latest_schema_version() override;
  void migrate() override;
  int64_t policy_serial() override;

  void add_domain(const Domain& d) override;
  void update_domain(const Domain& d) override;
  bool remove_domain(const std::string& name) override;
  std::optional<Domain> find_domain(const std::string& name) override;
  std::vector<Domain> list_domains() override;

  void add_recipient(const Recipient& r) override;
  bool remove_recipient(const std::string& address) override;
  std::vector<Recipient> list_recipients() override;

  void add_alias(const Alias& a) override;
  bool remove_alias(const std::string& address) override;
  std::vector<Alias> list_aliases() override;

  void add_relaynet(const RelayNet& n) override;
  bool remove_relaynet(const std::string& cidr) override;
  std::vector<RelayNet> list_relaynets() override;
  void set_tls_policy(const TlsPolicy& p) override;
  bool remove_tls_policy(const std::string& domain) override;
  std::vector<TlsPolicy> list_tls_policies() override;

  // sqlite_auth.cpp: DKIM signing keys, DMARC report rows.
  void add_dkim_key(const DkimKey& k) override;
  bool set_dkim_key_active(const std::string& domain, const std::string& selector, bool active) override;
  bool remove_dkim_key(const std::string& domain, const std::string& selector) override;
  std::vector<DkimKey> list_dkim_keys() override;
  void dmarc_record(const DmarcRow& row) override;
  std::vector<DmarcRow> dmarc_rows(const std::string& policy_domain, int64_t since, int64_t until) override;
  std::size_t dmarc_prune(int64_t before) override;

  std::optional<std::string> get_setting(const std::string& key) override;
  void set_setting(const std::string& key, const std::string& value) override;
  bool remove_setting(const std::string& key) override;
  std::vector<std::pair<std::string, std::string>> list_settings() override;

  // sqlite_state.cpp: message log, greylist, bans, IP ranges, admin users.
  void log_message(const MessageRecord& m) override;
  void log_delivery(const std::string& queue_id, const DeliveryRecord& d) override;
  std::vector<MessageRecord> search_messages(const MessageQuery& q) override;
  std::size_t prune_messages(int64_t before) override;

  std::optional<GreylistEntry> greylist_get(const std::string& client_net, const std::string& sender,
                                            const std::string& recipient) override;
  void greylist_put(const GreylistEntry& e) override;
  std::size_t greylist_expire(int64_t unused_before, int64_t used_before) override;

  void ban_add(const Ban& b) override;
  std::optional<Ban> ban_find(const std::string& ip, int64_t now) override;
  bool ban_remove(const std::string& ip) override;
  std::vector<Ban> ban_list(int64_t now) override;

  void add_ip_range(const IpRange& r) override;
  bool remove_ip_range(const std::string& name) override;
  std::vector<IpRange> list_ip_ranges() override;

  // sqlite_spam.cpp: spam policies and targets, DNSBL zones, quarantine index, digests.
  void set_spam_policy(const SpamPolicy& p) override;
  bool remove_spam_policy(const std::string& name) override;
  std::vector<SpamPolicy> list_spam_policies() override;
  void set_spam_policy_target(const SpamPolicyTarget& t) override;
  bool remove_spam_policy_target(const std::string& target) override;
  std::vector<SpamPolicyTarget> list_spam_policy_targets() override;
  void add_dnsbl_zone(const DnsblZone& z) override;
  bool remove_dnsbl_zone(const std::string& zone) override;
  std::vector<DnsblZone> list_dnsbl_zones() override;
  void quarantine_add(const std::vector<QuarantineEntry>& rows) override;
  std::vector<QuarantineEntry> quarantine_list(const QuarantineQuery& q) override;
  std::size_t quarantine_remove(const std::string& id, const std::string& recipient) override;
  std::vector<std::string> quarantine_expired(int64_t now, const std::string& gateway, std::size_t limit) override;
  void set_digest(const DigestSetting& d) override;
  std::optional<DigestSetting> find_digest(const std::string& recipient) override;
  std::vector<DigestSetting> list_digests() override;
  void digest_sent(const std::string& recipient, int64_t when) override;

  void add_user(const AdminUser& u) override;
  std::optional<AdminUser> find_user(const std::string& name) override;
  void set_password_hash(const std::string& name, const std::string& hash) override;
  bool remove_user(const std::string& name) override;
  std::vector<AdminUser> list_users() override;

  // sqlite_kv.cpp: key/value entries (Lua rules).
  std::optional<std::string> kv_get(const std::string& key, int64_t now) override;
  void kv_set(const std::string& key, const std::string& value, int64_t expires, int64_t now) override;
  int64_t kv_incr(const std::string& key, int64_t delta, int64_t expires, int64_t now) override;
  bool kv_delete(const std::string& key) override;
  std::size_t kv_expire(int64_t now) override;

 private:
  void insert_delivery(const std::string& queue_id, int position, const DeliveryRecord& d);
  bool remove_by_key(const char* sql, const std::string& key);

  std::string path_;
  std::unique_ptr<Connection> db_;
};

}  // namespace portcullis::store::sqlite
