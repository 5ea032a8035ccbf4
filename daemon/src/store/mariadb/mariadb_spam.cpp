// MariadbStore: spam policies and their targets, DNSBL zones, the quarantine index and digests.
#include <mysqld_error.h>

#include <string>

#include "store/mariadb/errors.hpp"
#include "store/mariadb/mariadb_store.hpp"
#include "store/spam_rules.hpp"

namespace portcullis::store::mariadb {
namespace {

constexpr std::size_t kTargetsNamed = 5;  // in the "still assigned" message

// A foreign key refused the change: the row is still referenced, or refers to nothing.
bool row_is_referenced(const MariadbError& e) { return e.code == ER_ROW_IS_REFERENCED_2 || e.code == ER_ROW_IS_REFERENCED; }
bool no_referenced_row(const MariadbError& e) { return e.code == ER_NO_REFERENCED_ROW_2 || e.code == ER_NO_REFERENCED_ROW; }

DigestSetting read_digest(const Row& row) { return DigestSetting{row.text(0), row.text(1), row.integer(2)}; }

}  // namespace

// ---- spam policies ----

void MariadbStore::set_spam_policy(const SpamPolicy& policy) {
  const SpamPolicy p = normalised_spam_policy(policy);
  with(Retry::yes, [&](Connection& c) {
    write("spam policy " + p.name, "spam policy " + p.name + ": duplicate key", [&] {
      c.execute(std::string("INSERT INTO spam_policies (") + spam_policy_columns +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                    "tag_score = VALUES(tag_score), quarantine_score = VALUES(quarantine_score), "
                    "reject_score = VALUES(reject_score), subject_tag = VALUES(subject_tag), "
                    "virus_action = VALUES(virus_action), attachment_action = VALUES(attachment_action), "
                    "greylisting = VALUES(greylisting), spam_scan = VALUES(spam_scan), "
                    "virus_scan = VALUES(virus_scan), scanner_failure = VALUES(scanner_failure), note = VALUES(note)",
                {p.name, p.tag_score, p.quarantine_score, p.reject_score, p.subject_tag, p.virus_action,
                 p.attachment_action, p.greylisting ? 1 : 0, p.spam_scan ? 1 : 0, p.virus_scan ? 1 : 0,
                 p.scanner_failure, p.note});
    });
  });
}

bool MariadbStore::remove_spam_policy(const std::string& name) {
  const std::string key = lower_ascii(name);
  return with(Retry::no, [&](Connection& c) {
    try {
      Transaction tx(c);
      const auto users = c.query("SELECT target FROM spam_policy_targets WHERE policy = ? ORDER BY target", {key});
      std::string targets;
      for (std::size_t i = 0; i < users.size() && i < kTargetsNamed; ++i)
        targets += (targets.empty() ? "" : ", ") + users[i].text(0);
      if (users.size() > kTargetsNamed) targets += " and " + std::to_string(users.size() - kTargetsNamed) + " more";
      require(users.empty(), policy_in_use_message(key, targets));
      const bool removed = c.execute("DELETE FROM spam_policies WHERE name = ?", {key}) > 0;
      tx.commit();
      return removed;
    } catch (const MariadbError& e) {
      // A target assigned meanwhile by another process: the foreign key refuses.
      if (row_is_referenced(e)) throw StoreError(policy_in_use_message(key, "a target"));
      if (e.connection_lost() || e.deadlock()) throw;
      throw StoreError("spam policy " + key + ": " + e.what());
    }
  });
}

std::vector<SpamPolicy> MariadbStore::list_spam_policies() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<SpamPolicy> out;
    for (const auto& row : c.query(std::string("SELECT ") + spam_policy_columns + " FROM spam_policies ORDER BY name"))
      out.push_back(read_spam_policy(row));
    return out;
  });
}

void MariadbStore::set_spam_policy_target(const SpamPolicyTarget& t) {
  const std::string target = spam_target_key(t.target);
  const std::string policy = lower_ascii(t.policy);
  with(Retry::yes, [&](Connection& c) {
    try {
      Transaction tx(c);
      require(!c.query("SELECT 1 FROM spam_policies WHERE name = ? LOCK IN SHARE MODE", {policy}).empty(),
              no_such_policy_message(policy));
      c.execute("INSERT INTO spam_policy_targets (target, policy) VALUES (?, ?) "
                "ON DUPLICATE KEY UPDATE policy = VALUES(policy)",
                {target, policy});
      tx.commit();
    } catch (const MariadbError& e) {
      if (no_referenced_row(e)) throw StoreError(no_such_policy_message(policy));
      if (e.connection_lost() || e.deadlock()) throw;
      throw StoreError("spam policy target " + target + ": " + e.what());
    }
  });
}

bool MariadbStore::remove_spam_policy_target(const std::string& target) {
  return remove_by_key("DELETE FROM spam_policy_targets WHERE target = ?", lower_ascii(target));
}

std::vector<SpamPolicyTarget> MariadbStore::list_spam_policy_targets() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<SpamPolicyTarget> out;
    for (const auto& row : c.query("SELECT target, policy FROM spam_policy_targets ORDER BY target"))
      out.push_back(SpamPolicyTarget{row.text(0), row.text(1)});
    return out;
  });
}

// ---- DNSBL zones ----

void MariadbStore::add_dnsbl_zone(const DnsblZone& zone) {
  const DnsblZone z = normalised_dnsbl_zone(zone);
  with(Retry::no, [&](Connection& c) {
    write("DNSBL zone " + z.zone, "DNSBL zone " + z.zone + " exists already", [&] {
      c.execute(std::string("INSERT INTO dnsbl_zones (") + dnsbl_zone_columns + ") VALUES (?, ?, ?, ?, ?, ?)",
                {z.zone, z.expect, z.action, z.score, z.stage, z.note});
    });
  });
}

bool MariadbStore::remove_dnsbl_zone(const std::string& zone) {
  std::string_view key = zone;
  if (key.ends_with('.')) key.remove_suffix(1);
  return remove_by_key("DELETE FROM dnsbl_zones WHERE zone = ?", lower_ascii(key));
}

std::vector<DnsblZone> MariadbStore::list_dnsbl_zones() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<DnsblZone> out;
    for (const auto& row : c.query(std::string("SELECT ") + dnsbl_zone_columns + " FROM dnsbl_zones ORDER BY zone"))
      out.push_back(read_dnsbl_zone(row));
    return out;
  });
}

// ---- quarantine index ----

void MariadbStore::quarantine_add(const std::vector<QuarantineEntry>& rows) {
  std::vector<QuarantineEntry> checked;
  checked.reserve(rows.size());
  for (const auto& r : rows) checked.push_back(normalised_quarantine_entry(r));
  if (checked.empty()) return;
  const std::string& id = checked.front().id;
  with(Retry::yes, [&](Connection& c) {
    write("quarantine " + id, "quarantine " + id + ": duplicate row", [&] {
      Transaction tx(c);
      for (const auto& e : checked)
        c.execute(std::string("INSERT INTO quarantine (") + quarantine_columns +
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE received = VALUES(received), "
                      "sender = VALUES(sender), subject = VALUES(subject), reason = VALUES(reason), "
                      "score = VALUES(score), size = VALUES(size), gateway = VALUES(gateway), "
                      "expires = VALUES(expires)",
                  {e.id, e.recipient, e.received, e.sender, e.subject, e.reason, e.score, e.size, e.gateway,
                   e.expires});
      tx.commit();
    });
  });
}

std::vector<QuarantineEntry> MariadbStore::quarantine_list(const QuarantineQuery& q) {
  const std::string recipient = lower_ascii(q.recipient);
  std::string sql = std::string("SELECT ") + quarantine_columns + " FROM quarantine WHERE 1 = 1";
  Params params;
  if (!q.id.empty()) {
    sql += " AND id = ?";
    params.emplace_back(q.id);
  }
  if (recipient.starts_with('@')) {
    sql += " AND RIGHT(recipient, CHAR_LENGTH(?)) = ?";  // no LIKE wildcards
    params.emplace_back(recipient);
    params.emplace_back(recipient);
  } else if (!recipient.empty()) {
    sql += " AND recipient = ?";
    params.emplace_back(recipient);
  }
  if (!q.gateway.empty()) {
    sql += " AND gateway = ?";
    params.emplace_back(q.gateway);
  }
  if (q.since > 0) {
    sql += " AND received >= ?";
    params.emplace_back(q.since);
  }
  sql += " ORDER BY received DESC, id DESC, recipient LIMIT ?";
  params.emplace_back(static_cast<uint64_t>(q.limit == 0 ? 100 : q.limit));
  return with(Retry::yes, [&](Connection& c) {
    std::vector<QuarantineEntry> out;
    for (const auto& row : c.query(sql, params)) out.push_back(read_quarantine_entry(row));
    return out;
  });
}

std::size_t MariadbStore::quarantine_remove(const std::string& id, const std::string& recipient) {
  const std::string key = address_key(recipient);
  return with(Retry::no, [&](Connection& c) {
    const uint64_t n = recipient.empty()
                           ? c.execute("DELETE FROM quarantine WHERE id = ?", {id})
                           : c.execute("DELETE FROM quarantine WHERE id = ? AND recipient = ?", {id, key});
    return static_cast<std::size_t>(n);
  });
}

std::vector<std::string> MariadbStore::quarantine_expired(int64_t now, const std::string& gateway,
                                                          std::size_t limit) {
  // Candidates through the expires index, then only the ids none of whose rows lives on.
  std::string sql =
      "SELECT id FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE expires > 0 AND expires <= ?";
  Params params{now};
  if (!gateway.empty()) {
    sql += " AND gateway = ?";
    params.emplace_back(gateway);
  }
  sql += ") GROUP BY id HAVING MIN(expires) > 0 AND MAX(expires) <= ? ORDER BY MAX(expires), id LIMIT ?";
  params.emplace_back(now);
  params.emplace_back(static_cast<uint64_t>(limit == 0 ? 100 : limit));
  return with(Retry::yes, [&](Connection& c) {
    std::vector<std::string> out;
    for (const auto& row : c.query(sql, params)) out.push_back(row.text(0));
    return out;
  });
}

// ---- digests ----

void MariadbStore::set_digest(const DigestSetting& digest) {
  const DigestSetting d = normalised_digest(digest);
  with(Retry::yes, [&](Connection& c) {
    write("digest of " + d.recipient, "digest of " + d.recipient + ": duplicate key", [&] {
      c.execute("INSERT INTO quarantine_digests (recipient, frequency, last_sent) VALUES (?, ?, ?) "
                "ON DUPLICATE KEY UPDATE frequency = VALUES(frequency)",
                {d.recipient, d.frequency, d.last_sent});
    });
  });
}

std::optional<DigestSetting> MariadbStore::find_digest(const std::string& recipient) {
  return with(Retry::yes, [&](Connection& c) -> std::optional<DigestSetting> {
    const auto rows = c.query("SELECT recipient, frequency, last_sent FROM quarantine_digests WHERE recipient = ?",
                              {address_key(recipient)});
    if (rows.empty()) return std::nullopt;
    return read_digest(rows[0]);
  });
}

std::vector<DigestSetting> MariadbStore::list_digests() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<DigestSetting> out;
    for (const auto& row : c.query("SELECT recipient, frequency, last_sent FROM quarantine_digests ORDER BY recipient"))
      out.push_back(read_digest(row));
    return out;
  });
}

void MariadbStore::digest_sent(const std::string& recipient, int64_t when) {
  with(Retry::yes, [&](Connection& c) {
    c.execute("UPDATE quarantine_digests SET last_sent = ? WHERE recipient = ?", {when, address_key(recipient)});
  });
}

}  // namespace portcullis::store::mariadb
