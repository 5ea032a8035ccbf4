// MariadbStore: the message log (tracking), greylist, bans, IP ranges and admin users.
#include <string>

#include "store/keys.hpp"
#include "store/mariadb/errors.hpp"
#include "store/mariadb/mariadb_store.hpp"

namespace portcullis::store::mariadb {
namespace {

constexpr int64_t greylist_delete_batch = 5000;

// Appends "AND column = ?" (or, for "@domain", a suffix match) for an address filter and its
// parameters. Callers pass a lower-cased value and LOWER(column): matching is case-insensitive.
void address_filter(std::string& sql, Params& params, const char* column, const std::string& value) {
  if (value.starts_with('@')) {
    sql += std::string(" AND RIGHT(") + column + ", CHAR_LENGTH(?)) = ?";  // no LIKE wildcards
    params.emplace_back(value);
    params.emplace_back(value);
  } else {
    sql += std::string(" AND ") + column + " = ?";
    params.emplace_back(value);
  }
}

void insert_delivery(Connection& c, const std::string& queue_id, int64_t position, const DeliveryRecord& d) {
  c.execute(
      "INSERT INTO message_rcpts (queue_id, position, recipient, status, reply, relay, attempts, updated, tls) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE status = VALUES(status), reply = VALUES(reply), "
      "relay = VALUES(relay), attempts = VALUES(attempts), updated = VALUES(updated), tls = VALUES(tls)",
      {queue_id, position, target_form(d.recipient), d.status, d.reply, d.relay, d.attempts, d.updated, d.tls});
}

Ban read_ban(const Row& row) { return Ban{row.text(0), row.integer(1), row.text(2), row.integer(3)}; }

AdminUser read_user(const Row& row) { return AdminUser{row.text(0), row.text(1), row.text(2), row.integer(3)}; }

}  // namespace

// ---- message log ----

void MariadbStore::log_message(const MessageRecord& m) {
  require(!m.queue_id.empty(), "message log: queue id must not be empty");
  with(Retry::yes, [&](Connection& c) {
    write("message log " + m.queue_id, "message " + m.queue_id + " is logged already", [&] {
      Transaction tx(c);
      c.execute("DELETE FROM messages WHERE queue_id = ?", {m.queue_id});  // its recipients cascade
      c.execute(
          "INSERT INTO messages (queue_id, received, client_ip, helo, tls, sender, size, verdict, score, symbols, "
          "gateway) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {m.queue_id, m.received, m.client_ip, m.helo, m.tls, target_form(m.sender), m.size, m.verdict, m.score,
           m.symbols, m.gateway});
      int64_t position = 0;
      for (const auto& d : m.deliveries) insert_delivery(c, m.queue_id, position++, d);
      tx.commit();
    });
  });
}

void MariadbStore::log_delivery(const std::string& queue_id, const DeliveryRecord& d) {
  with(Retry::yes, [&](Connection& c) {
    write("message log " + queue_id, "message log " + queue_id + ": duplicate recipient", [&] {
      Transaction tx(c);
      // Locks the message: concurrent updates of one message take their turn.
      const auto known = c.query("SELECT 1 FROM messages WHERE queue_id = ? FOR UPDATE", {queue_id});
      require(!known.empty(), "message " + queue_id + " is not in the message log");
      // A known recipient keeps its place; a new one (e.g. a bounce's) goes last.
      const std::string recipient = target_form(d.recipient);
      const auto pos = c.query(
          "SELECT COALESCE((SELECT position FROM message_rcpts WHERE queue_id = ? AND recipient = ?), "
          "(SELECT COALESCE(MAX(position) + 1, 0) FROM message_rcpts WHERE queue_id = ?))",
          {queue_id, recipient, queue_id});
      insert_delivery(c, queue_id, pos.at(0).integer(0), d);
      tx.commit();
    });
  });
}

std::vector<MessageRecord> MariadbStore::search_messages(const MessageQuery& q) {
  const std::string sender = lower_ascii(q.sender);
  const std::string recipient = lower_ascii(q.recipient);
  std::string sql = std::string("SELECT ") + message_columns + " FROM messages m WHERE 1 = 1";
  Params params;
  if (!q.queue_id.empty()) {
    sql += " AND m.queue_id = ?";
    params.emplace_back(q.queue_id);
  }
  if (q.sender == "<>") {
    sql += " AND m.sender = ''";
  } else if (!q.sender.empty()) {
    address_filter(sql, params, "LOWER(m.sender)", sender);
  }
  if (!q.recipient.empty()) {
    sql += " AND EXISTS (SELECT 1 FROM message_rcpts r WHERE r.queue_id = m.queue_id";
    address_filter(sql, params, "LOWER(r.recipient)", recipient);
    sql += ")";
  }
  if (q.since > 0) {
    sql += " AND m.received >= ?";
    params.emplace_back(q.since);
  }
  if (q.until > 0) {
    sql += " AND m.received < ?";
    params.emplace_back(q.until);
  }
  sql += " ORDER BY m.received DESC, m.queue_id DESC LIMIT ?";
  params.emplace_back(static_cast<uint64_t>(q.limit == 0 ? 100 : q.limit));
  return with(Retry::yes, [&](Connection& c) {
    std::vector<MessageRecord> out;
    for (const auto& row : c.query(sql, params)) out.push_back(read_message_row(row));
    for (auto& m : out)
      for (const auto& row : c.query("SELECT recipient, status, reply, relay, attempts, updated, tls FROM message_rcpts "
                                     "WHERE queue_id = ? ORDER BY position",
                                     {m.queue_id}))
        m.deliveries.push_back(DeliveryRecord{row.text(0), row.text(1), row.text(2), row.text(3),
                                              static_cast<unsigned>(row.integer(4)), row.integer(5), row.text(6)});
    return out;
  });
}

std::size_t MariadbStore::prune_messages(int64_t before) {
  return delete_in_batches("DELETE FROM messages WHERE received < ? LIMIT ?", before);
}

// ---- greylist ----

std::optional<GreylistEntry> MariadbStore::greylist_get(const std::string& client_net, const std::string& sender,
                                                        const std::string& recipient) {
  GreylistEntry e{lower_ascii(client_net), lower_ascii(sender), lower_ascii(recipient), 0, 0, 0};
  return with(Retry::yes, [&](Connection& c) -> std::optional<GreylistEntry> {
    const auto rows = c.query(
        "SELECT first_seen, last_seen, passed FROM greylist WHERE client_net = ? AND sender = ? AND recipient = ?",
        {e.client_net, e.sender, e.recipient});
    if (rows.empty()) return std::nullopt;
    GreylistEntry found = e;
    found.first_seen = rows[0].integer(0);
    found.last_seen = rows[0].integer(1);
    found.passed = static_cast<unsigned>(rows[0].integer(2));
    return found;
  });
}

void MariadbStore::greylist_put(const GreylistEntry& e) {
  with(Retry::yes, [&](Connection& c) {
    write("greylist", "greylist: duplicate entry", [&] {
      c.execute(
          "INSERT INTO greylist (client_net, sender, recipient, first_seen, last_seen, passed) "
          "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE first_seen = VALUES(first_seen), "
          "last_seen = VALUES(last_seen), passed = VALUES(passed)",
          {lower_ascii(e.client_net), lower_ascii(e.sender), lower_ascii(e.recipient), e.first_seen, e.last_seen,
           e.passed});
    });
  });
}

std::size_t MariadbStore::greylist_expire(int64_t unused_before, int64_t used_before) {
  return with(Retry::no, [&](Connection& c) {
    std::size_t total = 0;
    for (;;) {  // in batches: each a short statement
      const uint64_t n = c.execute(
          "DELETE FROM greylist WHERE (passed = 0 AND first_seen < ?) OR (passed > 0 AND last_seen < ?) LIMIT ?",
          {unused_before, used_before, greylist_delete_batch});
      total += static_cast<std::size_t>(n);
      if (n < static_cast<uint64_t>(greylist_delete_batch)) return total;
    }
  });
}

// ---- bans ----

void MariadbStore::ban_add(const Ban& b) {
  require(!b.ip.empty(), "ban: IP address must not be empty");
  with(Retry::yes, [&](Connection& c) {
    write("ban " + b.ip, "ban " + b.ip + ": duplicate", [&] {
      c.execute(
          "INSERT INTO bans (ip, until, reason, created) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
          "until = VALUES(until), reason = VALUES(reason), created = VALUES(created)",
          {lower_ascii(b.ip), b.until, b.reason, b.created});
    });
  });
}

std::optional<Ban> MariadbStore::ban_find(const std::string& ip, int64_t now) {
  return with(Retry::yes, [&](Connection& c) -> std::optional<Ban> {
    const auto rows =
        c.query("SELECT ip, until, reason, created FROM bans WHERE ip = ? AND until > ?", {lower_ascii(ip), now});
    if (rows.empty()) return std::nullopt;
    return read_ban(rows[0]);
  });
}

bool MariadbStore::ban_remove(const std::string& ip) {
  return remove_by_key("DELETE FROM bans WHERE ip = ?", lower_ascii(ip));
}

std::vector<Ban> MariadbStore::ban_list(int64_t now) {
  return with(Retry::yes, [&](Connection& c) {
    std::vector<Ban> out;
    for (const auto& row : c.query("SELECT ip, until, reason, created FROM bans WHERE until > ? ORDER BY ip", {now}))
      out.push_back(read_ban(row));
    return out;
  });
}

// ---- IP ranges ----

void MariadbStore::add_ip_range(const IpRange& r) {
  require(!r.name.empty(), "IP range name must not be empty");
  require(!r.cidr.empty(), "IP range " + r.name + ": address range must not be empty");
  with(Retry::no, [&](Connection& c) {
    write("IP range " + r.name, "IP range " + r.name + " exists already", [&] {
      c.execute("INSERT INTO ip_ranges (name, cidr, priority, action, expires, note) VALUES (?, ?, ?, ?, ?, ?)",
                {r.name, lower_ascii(r.cidr), r.priority, action_text(r.action), r.expires, r.note});
    });
  });
}

bool MariadbStore::remove_ip_range(const std::string& name) {
  return remove_by_key("DELETE FROM ip_ranges WHERE name = ?", name);
}

std::vector<IpRange> MariadbStore::list_ip_ranges() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<IpRange> out;
    for (const auto& row :
         c.query("SELECT name, cidr, priority, action, expires, note FROM ip_ranges ORDER BY priority DESC, name"))
      out.push_back(IpRange{row.text(0), row.text(1), static_cast<int>(row.integer(2)), parse_action(row.text(3)),
                            row.integer(4), row.text(5)});
    return out;
  });
}

// ---- admin users ----

void MariadbStore::add_user(const AdminUser& u) {
  require(!u.name.empty(), "user name must not be empty");
  require(!u.password_hash.empty(), "user " + u.name + ": password hash must not be empty");
  with(Retry::no, [&](Connection& c) {
    write("user " + u.name, "user " + u.name + " exists already", [&] {
      c.execute("INSERT INTO admin_users (name, password_hash, role, created) VALUES (?, ?, ?, ?)",
                {u.name, u.password_hash, u.role, u.created});
    });
  });
}

std::optional<AdminUser> MariadbStore::find_user(const std::string& name) {
  return with(Retry::yes, [&](Connection& c) -> std::optional<AdminUser> {
    const auto rows = c.query("SELECT name, password_hash, role, created FROM admin_users WHERE name = ?", {name});
    if (rows.empty()) return std::nullopt;
    return read_user(rows[0]);
  });
}

void MariadbStore::set_password_hash(const std::string& name, const std::string& hash) {
  require(!hash.empty(), "user " + name + ": password hash must not be empty");
  const uint64_t matched = with(Retry::yes, [&](Connection& c) {
    return c.execute("UPDATE admin_users SET password_hash = ? WHERE name = ?", {hash, name});
  });
  require(matched > 0, "user " + name + " does not exist");
}

bool MariadbStore::remove_user(const std::string& name) {
  return remove_by_key("DELETE FROM admin_users WHERE name = ?", name);
}

std::vector<AdminUser> MariadbStore::list_users() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<AdminUser> out;
    for (const auto& row : c.query("SELECT name, password_hash, role, created FROM admin_users ORDER BY name"))
      out.push_back(read_user(row));
    return out;
  });
}

}  // namespace portcullis::store::mariadb
