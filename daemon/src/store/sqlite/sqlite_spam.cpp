// SqliteStore: spam policies and their targets, DNSBL zones, the quarantine index and digests.
#include <sqlite3.h>

#include <string>

#include "store/spam_rules.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/errors.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace portcullis::store::sqlite {
namespace {

constexpr std::size_t kTargetsNamed = 5;  // in the "still assigned" message

bool is_foreign_key_error(const SqliteError& e) { return e.code == SQLITE_CONSTRAINT_FOREIGNKEY; }

}  // namespace

// ---- spam policies ----

void SqliteStore::set_spam_policy(const SpamPolicy& policy) {
  const SpamPolicy p = normalised_spam_policy(policy);
  write("spam policy " + p.name, "spam policy " + p.name + ": duplicate key", [&] {
    Statement st(*db_, std::string("INSERT INTO spam_policies (") + spam_policy_columns +
                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                           "ON CONFLICT (name) DO UPDATE SET tag_score = excluded.tag_score, "
                           "quarantine_score = excluded.quarantine_score, reject_score = excluded.reject_score, "
                           "subject_tag = excluded.subject_tag, virus_action = excluded.virus_action, "
                           "attachment_action = excluded.attachment_action, greylisting = excluded.greylisting, "
                           "spam_scan = excluded.spam_scan, virus_scan = excluded.virus_scan, "
                           "scanner_failure = excluded.scanner_failure, note = excluded.note");
    st.bind_all(p.name, p.tag_score, p.quarantine_score, p.reject_score, p.subject_tag, p.virus_action,
                p.attachment_action, p.greylisting ? 1 : 0, p.spam_scan ? 1 : 0, p.virus_scan ? 1 : 0,
                p.scanner_failure, p.note)
        .run();
  });
}

bool SqliteStore::remove_spam_policy(const std::string& name) {
  const std::string key = lower_ascii(name);
  try {
    Transaction tx(*db_);
    std::string targets;
    std::size_t count = 0;
    {
      Statement users(*db_, "SELECT target FROM spam_policy_targets WHERE policy = ?1 ORDER BY target");
      users.bind(1, key);
      while (users.step())
        if (count++ < kTargetsNamed) targets += (targets.empty() ? "" : ", ") + users.text(0);
    }
    if (count > kTargetsNamed) targets += " and " + std::to_string(count - kTargetsNamed) + " more";
    require(count == 0, policy_in_use_message(key, targets));
    Statement(*db_, "DELETE FROM spam_policies WHERE name = ?1").bind(1, key).run();
    const bool removed = db_->changes() > 0;
    tx.commit();
    return removed;
  } catch (const SqliteError& e) {
    if (is_foreign_key_error(e)) throw StoreError(policy_in_use_message(key, "a target"));
    throw StoreError("spam policy " + key + ": " + e.what());
  }
}

std::vector<SpamPolicy> SqliteStore::list_spam_policies() {
  Statement st(*db_, std::string("SELECT ") + spam_policy_columns + " FROM spam_policies ORDER BY name");
  std::vector<SpamPolicy> out;
  while (st.step()) out.push_back(read_spam_policy(st));
  return out;
}

void SqliteStore::set_spam_policy_target(const SpamPolicyTarget& t) {
  const std::string target = spam_target_key(t.target);
  const std::string policy = lower_ascii(t.policy);
  try {
    Transaction tx(*db_);
    {
      Statement known(*db_, "SELECT 1 FROM spam_policies WHERE name = ?1");
      known.bind(1, policy);
      require(known.step(), no_such_policy_message(policy));
    }
    Statement(*db_,
              "INSERT INTO spam_policy_targets (target, policy) VALUES (?1, ?2) "
              "ON CONFLICT (target) DO UPDATE SET policy = excluded.policy")
        .bind_all(target, policy)
        .run();
    tx.commit();
  } catch (const SqliteError& e) {
    if (is_foreign_key_error(e)) throw StoreError(no_such_policy_message(policy));
    throw StoreError("spam policy target " + target + ": " + e.what());
  }
}

bool SqliteStore::remove_spam_policy_target(const std::string& target) {
  return remove_by_key("DELETE FROM spam_policy_targets WHERE target = ?1", lower_ascii(target));
}

std::vector<SpamPolicyTarget> SqliteStore::list_spam_policy_targets() {
  Statement st(*db_, "SELECT target, policy FROM spam_policy_targets ORDER BY target");
  std::vector<SpamPolicyTarget> out;
  while (st.step()) out.push_back(SpamPolicyTarget{st.text(0), st.text(1)});
  return out;
}

// ---- DNSBL zones ----

void SqliteStore::add_dnsbl_zone(const DnsblZone& zone) {
  const DnsblZone z = normalised_dnsbl_zone(zone);
  write("DNSBL zone " + z.zone, "DNSBL zone " + z.zone + " exists already", [&] {
    Statement st(*db_, std::string("INSERT INTO dnsbl_zones (") + dnsbl_zone_columns +
                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st.bind_all(z.zone, z.expect, z.action, z.score, z.stage, z.note).run();
  });
}

bool SqliteStore::remove_dnsbl_zone(const std::string& zone) {
  std::string_view key = zone;
  if (key.ends_with('.')) key.remove_suffix(1);
  return remove_by_key("DELETE FROM dnsbl_zones WHERE zone = ?1", lower_ascii(key));
}

std::vector<DnsblZone> SqliteStore::list_dnsbl_zones() {
  Statement st(*db_, std::string("SELECT ") + dnsbl_zone_columns + " FROM dnsbl_zones ORDER BY zone");
  std::vector<DnsblZone> out;
  while (st.step()) out.push_back(read_dnsbl_zone(st));
  return out;
}

// ---- quarantine index ----

void SqliteStore::quarantine_add(const std::vector<QuarantineEntry>& rows) {
  std::vector<QuarantineEntry> checked;
  checked.reserve(rows.size());
  for (const auto& r : rows) checked.push_back(normalised_quarantine_entry(r));
  if (checked.empty()) return;
  write("quarantine " + checked.front().id, "quarantine " + checked.front().id + ": duplicate row", [&] {
    Transaction tx(*db_);
    Statement st(*db_, std::string("INSERT INTO quarantine (") + quarantine_columns +
                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                           "ON CONFLICT (id, recipient) DO UPDATE SET received = excluded.received, "
                           "sender = excluded.sender, subject = excluded.subject, reason = excluded.reason, "
                           "score = excluded.score, size = excluded.size, gateway = excluded.gateway, "
                           "expires = excluded.expires");
    for (const auto& e : checked) {
      st.bind_all(e.id, e.recipient, e.received, e.sender, e.subject, e.reason, e.score,
                  static_cast<int64_t>(e.size), e.gateway, e.expires)
          .run();
      st.reset();
    }
    tx.commit();
  });
}

std::vector<QuarantineEntry> SqliteStore::quarantine_list(const QuarantineQuery& q) {
  const std::string recipient = lower_ascii(q.recipient);
  std::string sql = std::string("SELECT ") + quarantine_columns + " FROM quarantine WHERE 1 = 1";
  if (!q.id.empty()) sql += " AND id = ?1";
  if (recipient.starts_with('@')) {
    sql += " AND substr(recipient, -length(?2)) = ?2";  // no LIKE wildcards
  } else if (!recipient.empty()) {
    sql += " AND recipient = ?2";
  }
  if (!q.gateway.empty()) sql += " AND gateway = ?3";
  if (q.since > 0) sql += " AND received >= ?4";
  sql += " ORDER BY received DESC, id DESC, recipient LIMIT ?5";
  Statement st(*db_, sql);
  if (!q.id.empty()) st.bind(1, q.id);
  if (!recipient.empty()) st.bind(2, recipient);
  if (!q.gateway.empty()) st.bind(3, q.gateway);
  if (q.since > 0) st.bind(4, q.since);
  st.bind(5, static_cast<int64_t>(q.limit == 0 ? 100 : q.limit));
  std::vector<QuarantineEntry> out;
  while (st.step()) out.push_back(read_quarantine_entry(st));
  return out;
}

std::size_t SqliteStore::quarantine_remove(const std::string& id, const std::string& recipient) {
  if (recipient.empty()) {
    Statement(*db_, "DELETE FROM quarantine WHERE id = ?1").bind(1, id).run();
  } else {
    Statement(*db_, "DELETE FROM quarantine WHERE id = ?1 AND recipient = ?2")
        .bind_all(id, address_key(recipient))
        .run();
  }
  return static_cast<std::size_t>(db_->changes());
}

std::vector<std::string> SqliteStore::quarantine_expired(int64_t now, const std::string& gateway,
                                                         std::size_t limit) {
  // Candidates through the expires index, then only the ids none of whose rows lives on.
  std::string sql =
      "SELECT id FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE expires > 0 AND expires <= ?1";
  if (!gateway.empty()) sql += " AND gateway = ?2";
  sql += ") GROUP BY id HAVING MIN(expires) > 0 AND MAX(expires) <= ?1 ORDER BY MAX(expires), id LIMIT ?3";
  Statement st(*db_, sql);
  st.bind(1, now);
  if (!gateway.empty()) st.bind(2, gateway);
  st.bind(3, static_cast<int64_t>(limit == 0 ? 100 : limit));
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

// ---- digests ----

void SqliteStore::set_digest(const DigestSetting& digest) {
  const DigestSetting d = normalised_digest(digest);
  write("digest of " + d.recipient, "digest of " + d.recipient + ": duplicate key", [&] {
    Statement st(*db_,
                 "INSERT INTO quarantine_digests (recipient, frequency, last_sent) VALUES (?1, ?2, ?3) "
                 "ON CONFLICT (recipient) DO UPDATE SET frequency = excluded.frequency");
    st.bind_all(d.recipient, d.frequency, d.last_sent).run();
  });
}

std::optional<DigestSetting> SqliteStore::find_digest(const std::string& recipient) {
  Statement st(*db_, "SELECT recipient, frequency, last_sent FROM quarantine_digests WHERE recipient = ?1");
  st.bind(1, address_key(recipient));
  if (!st.step()) return std::nullopt;
  return DigestSetting{st.text(0), st.text(1), st.integer(2)};
}

std::vector<DigestSetting> SqliteStore::list_digests() {
  Statement st(*db_, "SELECT recipient, frequency, last_sent FROM quarantine_digests ORDER BY recipient");
  std::vector<DigestSetting> out;
  while (st.step()) out.push_back(DigestSetting{st.text(0), st.text(1), st.integer(2)});
  return out;
}

void SqliteStore::digest_sent(const std::string& recipient, int64_t when) {
  Statement(*db_, "UPDATE quarantine_digests SET last_sent = ?2 WHERE recipient = ?1")
      .bind_all(address_key(recipient), when)
      .run();
}

}  // namespace portcullis::store::sqlite
