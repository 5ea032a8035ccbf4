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

  std::optional<std::string> get_setting(const std::string& key) override;
  void set_setting(const std::string& key, const std::string& value) override;
  bool remove_setting(const std::string& key) override;
  std::vector<std::pair<std::string, std::string>> list_settings() override;

 private:
  bool remove_by_key(const char* sql, const std::string& key);

  std::string path_;
  std::unique_ptr<Connection> db_;
};

}  // namespace portcullis::store::sqlite
