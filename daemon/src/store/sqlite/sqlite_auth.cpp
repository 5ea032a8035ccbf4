// SqliteStore: DKIM signing keys and DMARC aggregate report rows.
#include <string>

#include "store/auth_rules.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/errors.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace portcullis::store::sqlite {

// ---- DKIM signing keys ----

void SqliteStore::add_dkim_key(const DkimKey& key) {
  const DkimKey k = normalised_dkim_key(key);
  const std::string name = dkim_key_name(k.domain, k.selector);
  write(name, name + " exists already", [&] {
    Statement st(*db_,
                 "INSERT INTO dkim_keys (domain, selector, algorithm, private_pem, public_txt, active, created) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    st.bind_all(k.domain, k.selector, k.algorithm, k.private_pem, k.public_txt, k.active ? 1 : 0, k.created).run();
  });
}

bool SqliteStore::set_dkim_key_active(const std::string& domain, const std::string& selector, bool active) {
  const std::string d = dkim_domain_key(domain);
  const std::string s = dkim_selector_key(selector);
  write(dkim_key_name(d, s), dkim_key_name(d, s) + ": duplicate key", [&] {
    Statement st(*db_, "UPDATE dkim_keys SET active = ?3 WHERE domain = ?1 AND selector = ?2");
    st.bind_all(d, s, active ? 1 : 0).run();
  });
  return db_->changes() > 0;
}

bool SqliteStore::remove_dkim_key(const std::string& domain, const std::string& selector) {
  Statement st(*db_, "DELETE FROM dkim_keys WHERE domain = ?1 AND selector = ?2");
  st.bind_all(dkim_domain_key(domain), dkim_selector_key(selector)).run();
  return db_->changes() > 0;
}

std::vector<DkimKey> SqliteStore::list_dkim_keys() {
  Statement st(*db_, std::string("SELECT ") + dkim_key_columns + " FROM dkim_keys ORDER BY domain, selector");
  std::vector<DkimKey> out;
  while (st.step()) out.push_back(read_dkim_key(st));
  return out;
}

// ---- DMARC report rows ----

void SqliteStore::dmarc_record(const DmarcRow& row) {
  const DmarcRow r = normalised_dmarc_row(row);
  write("DMARC row of " + r.policy_domain, "DMARC row of " + r.policy_domain + ": duplicate", [&] {
    Statement st(*db_,
                 "INSERT INTO dmarc_rows (received, queue_id, source_ip, header_from, envelope_from, policy_domain, "
                 "published, disposition, dmarc, spf_domain, spf_result, dkim, reason) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    st.bind_all(r.received, r.queue_id, r.source_ip, r.header_from, r.envelope_from, r.policy_domain, r.published,
                r.disposition, r.dmarc, r.spf_domain, r.spf_result, r.dkim, r.reason)
        .run();
  });
}

std::vector<DmarcRow> SqliteStore::dmarc_rows(const std::string& policy_domain, int64_t since, int64_t until) {
  std::string sql =
      std::string("SELECT ") + dmarc_row_columns + " FROM dmarc_rows WHERE received >= ?2 AND received < ?3";
  if (!policy_domain.empty()) sql += " AND policy_domain = ?1";
  sql += " ORDER BY received, id";
  Statement st(*db_, sql);
  if (!policy_domain.empty()) st.bind(1, lower_ascii(policy_domain));
  st.bind(2, since).bind(3, until);
  std::vector<DmarcRow> out;
  while (st.step()) out.push_back(read_dmarc_row(st));
  return out;
}

std::size_t SqliteStore::dmarc_prune(int64_t before) {
  Statement(*db_, "DELETE FROM dmarc_rows WHERE received < ?1").bind(1, before).run();
  return static_cast<std::size_t>(db_->changes());
}

}  // namespace portcullis::store::sqlite
