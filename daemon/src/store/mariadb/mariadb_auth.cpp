// MariadbStore: DKIM signing keys and DMARC aggregate report rows.
#include <string>

#include "store/auth_rules.hpp"
#include "store/mariadb/errors.hpp"
#include "store/mariadb/mariadb_store.hpp"

namespace portcullis::store::mariadb {

// ---- DKIM signing keys ----

void MariadbStore::add_dkim_key(const DkimKey& key) {
  const DkimKey k = normalised_dkim_key(key);
  const std::string name = dkim_key_name(k.domain, k.selector);
  with(Retry::no, [&](Connection& c) {
    write(name, name + " exists already", [&] {
      c.execute(
          "INSERT INTO dkim_keys (domain, selector, algorithm, private_pem, public_txt, active, created) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          {k.domain, k.selector, k.algorithm, k.private_pem, k.public_txt, k.active ? 1 : 0, k.created});
    });
  });
}

bool MariadbStore::set_dkim_key_active(const std::string& domain, const std::string& selector, bool active) {
  const std::string d = dkim_domain_key(domain);
  const std::string s = dkim_selector_key(selector);
  const uint64_t matched = with(Retry::yes, [&](Connection& c) {
    return write(dkim_key_name(d, s), dkim_key_name(d, s) + ": duplicate key", [&] {
      return c.execute("UPDATE dkim_keys SET active = ? WHERE domain = ? AND selector = ?", {active ? 1 : 0, d, s});
    });
  });
  return matched > 0;
}

bool MariadbStore::remove_dkim_key(const std::string& domain, const std::string& selector) {
  const std::string d = dkim_domain_key(domain);
  const std::string s = dkim_selector_key(selector);
  return with(Retry::no, [&](Connection& c) {
    return c.execute("DELETE FROM dkim_keys WHERE domain = ? AND selector = ?", {d, s}) > 0;
  });
}

std::vector<DkimKey> MariadbStore::list_dkim_keys() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<DkimKey> out;
    const std::string sql = std::string("SELECT ") + dkim_key_columns + " FROM dkim_keys ORDER BY domain, selector";
    for (const auto& row : c.query(sql))
      out.push_back(read_dkim_key(row));
    return out;
  });
}

// ---- DMARC report rows ----

void MariadbStore::dmarc_record(const DmarcRow& row) {
  const DmarcRow r = normalised_dmarc_row(row);
  with(Retry::no, [&](Connection& c) {
    write("DMARC row of " + r.policy_domain, "DMARC row of " + r.policy_domain + ": duplicate", [&] {
      c.execute(
          "INSERT INTO dmarc_rows (received, queue_id, source_ip, header_from, envelope_from, policy_domain, "
          "published, disposition, dmarc, spf_domain, spf_result, dkim, reason) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {r.received, r.queue_id, r.source_ip, r.header_from, r.envelope_from, r.policy_domain, r.published,
           r.disposition, r.dmarc, r.spf_domain, r.spf_result, r.dkim, r.reason});
    });
  });
}

std::vector<DmarcRow> MariadbStore::dmarc_rows(const std::string& policy_domain, int64_t since, int64_t until) {
  const std::string domain = lower_ascii(policy_domain);
  std::string sql =
      std::string("SELECT ") + dmarc_row_columns + " FROM dmarc_rows WHERE received >= ? AND received < ?";
  Params params{since, until};
  if (!domain.empty()) {
    sql += " AND policy_domain = ?";
    params.emplace_back(domain);
  }
  sql += " ORDER BY received, id";
  return with(Retry::yes, [&](Connection& c) {
    std::vector<DmarcRow> out;
    for (const auto& row : c.query(sql, params)) out.push_back(read_dmarc_row(row));
    return out;
  });
}

std::size_t MariadbStore::dmarc_prune(int64_t before) {
  return delete_in_batches("DELETE FROM dmarc_rows WHERE received < ? LIMIT ?", before);
}

}  // namespace portcullis::store::mariadb
