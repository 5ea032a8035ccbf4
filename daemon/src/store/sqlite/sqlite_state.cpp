// SqliteStore: the message log (tracking), greylist, bans, IP ranges and admin users.
#include <string>

#include "store/keys.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/errors.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace portcullis::store::sqlite {
namespace {

// Appends "AND column = ?N" (or, for "@domain", a suffix match) for an address filter.
// Callers pass lower-cased values and lower(column): matching is ASCII case-insensitive.
void address_filter(std::string& sql, const char* column, const std::string& value, int index) {
  const std::string n = "?" + std::to_string(index);
  if (value.starts_with('@')) {
    sql += std::string(" AND substr(") + column + ", -length(" + n + ")) = " + n;  // no LIKE wildcards
  } else {
    sql += std::string(" AND ") + column + " = " + n;
  }
}

}  // namespace

// ---- message log ----

void SqliteStore::insert_delivery(const std::string& queue_id, int position, const DeliveryRecord& d) {
  Statement st(*db_,
               "INSERT INTO message_rcpts (queue_id, position, recipient, status, reply, relay, attempts, updated, tls) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
               "ON CONFLICT (queue_id, recipient) DO UPDATE SET status = excluded.status, reply = excluded.reply, "
               "relay = excluded.relay, attempts = excluded.attempts, updated = excluded.updated, tls = excluded.tls");
  st.bind_all(queue_id, position, target_form(d.recipient), d.status, d.reply, d.relay, d.attempts, d.updated, d.tls)
      .run();
}

void SqliteStore::log_message(const MessageRecord& m) {
  require(!m.queue_id.empty(), "message log: queue id must not be empty");
  write("message log " + m.queue_id, "message " + m.queue_id + " is logged already", [&] {
    Transaction tx(*db_);
    Statement(*db_, "DELETE FROM messages WHERE queue_id = ?1").bind(1, m.queue_id).run();
    Statement st(*db_,
                 "INSERT INTO messages (queue_id, received, client_ip, helo, tls, sender, size, verdict, score, "
                 "symbols, gateway) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    st.bind_all(m.queue_id, m.received, m.client_ip, m.helo, m.tls, target_form(m.sender),
                static_cast<int64_t>(m.size), m.verdict, m.score, m.symbols, m.gateway)
        .run();
    int position = 0;
    for (const auto& d : m.deliveries) insert_delivery(m.queue_id, position++, d);
    tx.commit();
  });
}

void SqliteStore::log_delivery(const std::string& queue_id, const DeliveryRecord& d) {
  write("message log " + queue_id, "message log " + queue_id + ": duplicate recipient", [&] {
    Transaction tx(*db_);
    Statement known(*db_, "SELECT 1 FROM messages WHERE queue_id = ?1");
    known.bind(1, queue_id);
    require(known.step(), "message " + queue_id + " is not in the message log");
    // A known recipient keeps its place; a new one (e.g. a bounce's) goes last.
    Statement pos(*db_,
                  "SELECT COALESCE((SELECT position FROM message_rcpts WHERE queue_id = ?1 AND recipient = ?2), "
                  "(SELECT COALESCE(MAX(position) + 1, 0) FROM message_rcpts WHERE queue_id = ?1))");
    pos.bind_all(queue_id, target_form(d.recipient));
    pos.step();
    insert_delivery(queue_id, static_cast<int>(pos.integer(0)), d);
    tx.commit();
  });
}

std::vector<MessageRecord> SqliteStore::search_messages(const MessageQuery& q) {
  std::string sql = std::string("SELECT ") + message_columns + " FROM messages m WHERE 1 = 1";
  if (!q.queue_id.empty()) sql += " AND m.queue_id = ?1";
  if (q.sender == "<>") {
    sql += " AND m.sender = ''";
  } else if (!q.sender.empty()) {
    address_filter(sql, "lower(m.sender)", lower_ascii(q.sender), 2);
  }
  if (!q.recipient.empty()) {
    sql += " AND EXISTS (SELECT 1 FROM message_rcpts r WHERE r.queue_id = m.queue_id";
    address_filter(sql, "lower(r.recipient)", lower_ascii(q.recipient), 3);
    sql += ")";
  }
  if (q.since > 0) sql += " AND m.received >= ?4";
  if (q.until > 0) sql += " AND m.received < ?5";
  sql += " ORDER BY m.received DESC, m.queue_id DESC LIMIT ?6";
  Statement st(*db_, sql);
  if (!q.queue_id.empty()) st.bind(1, q.queue_id);
  if (!q.sender.empty() && q.sender != "<>") st.bind(2, lower_ascii(q.sender));
  if (!q.recipient.empty()) st.bind(3, lower_ascii(q.recipient));
  if (q.since > 0) st.bind(4, q.since);
  if (q.until > 0) st.bind(5, q.until);
  st.bind(6, static_cast<int64_t>(q.limit == 0 ? 100 : q.limit));
  std::vector<MessageRecord> out;
  while (st.step()) out.push_back(read_message_row(st));
  Statement rcpts(*db_,
                  "SELECT recipient, status, reply, relay, attempts, updated, tls FROM message_rcpts WHERE queue_id = ?1 "
                  "ORDER BY position");
  for (auto& m : out) {
    rcpts.reset();
    rcpts.bind(1, m.queue_id);
    while (rcpts.step())
      m.deliveries.push_back(DeliveryRecord{rcpts.text(0), rcpts.text(1), rcpts.text(2), rcpts.text(3),
                                            static_cast<unsigned>(rcpts.integer(4)), rcpts.integer(5), rcpts.text(6)});
  }
  return out;
}

std::size_t SqliteStore::prune_messages(int64_t before) {
  Statement(*db_, "DELETE FROM messages WHERE received < ?1").bind(1, before).run();
  return static_cast<std::size_t>(db_->changes());
}

// ---- greylist ----

std::optional<GreylistEntry> SqliteStore::greylist_get(const std::string& client_net, const std::string& sender,
                                                       const std::string& recipient) {
  Statement st(*db_,
               "SELECT first_seen, last_seen, passed FROM greylist "
               "WHERE client_net = ?1 AND sender = ?2 AND recipient = ?3");
  st.bind_all(lower_ascii(client_net), lower_ascii(sender), lower_ascii(recipient));
  if (!st.step()) return std::nullopt;
  return GreylistEntry{lower_ascii(client_net), lower_ascii(sender), lower_ascii(recipient), st.integer(0),
                       st.integer(1), static_cast<unsigned>(st.integer(2))};
}

void SqliteStore::greylist_put(const GreylistEntry& e) {
  write("greylist", "greylist: duplicate entry", [&] {
    Statement st(*db_,
                 "INSERT INTO greylist (client_net, sender, recipient, first_seen, last_seen, passed) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (client_net, sender, recipient) DO UPDATE SET "
                 "first_seen = excluded.first_seen, last_seen = excluded.last_seen, passed = excluded.passed");
    st.bind_all(lower_ascii(e.client_net), lower_ascii(e.sender), lower_ascii(e.recipient), e.first_seen,
                e.last_seen, e.passed)
        .run();
  });
}

std::size_t SqliteStore::greylist_expire(int64_t unused_before, int64_t used_before) {
  Statement(*db_,
            "DELETE FROM greylist WHERE (passed = 0 AND first_seen < ?1) OR (passed > 0 AND last_seen < ?2)")
      .bind_all(unused_before, used_before)
      .run();
  return static_cast<std::size_t>(db_->changes());
}

// ---- bans ----

void SqliteStore::ban_add(const Ban& b) {
  require(!b.ip.empty(), "ban: IP address must not be empty");
  write("ban " + b.ip, "ban " + b.ip + ": duplicate", [&] {
    Statement st(*db_,
                 "INSERT INTO bans (ip, until, reason, created) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (ip) DO "
                 "UPDATE SET until = excluded.until, reason = excluded.reason, created = excluded.created");
    st.bind_all(lower_ascii(b.ip), b.until, b.reason, b.created).run();
  });
}

std::optional<Ban> SqliteStore::ban_find(const std::string& ip, int64_t now) {
  Statement st(*db_, "SELECT ip, until, reason, created FROM bans WHERE ip = ?1 AND until > ?2");
  st.bind_all(lower_ascii(ip), now);
  if (!st.step()) return std::nullopt;
  return Ban{st.text(0), st.integer(1), st.text(2), st.integer(3)};
}

bool SqliteStore::ban_remove(const std::string& ip) {
  return remove_by_key("DELETE FROM bans WHERE ip = ?1", lower_ascii(ip));
}

std::vector<Ban> SqliteStore::ban_list(int64_t now) {
  Statement st(*db_, "SELECT ip, until, reason, created FROM bans WHERE until > ?1 ORDER BY ip");
  st.bind(1, now);
  std::vector<Ban> out;
  while (st.step()) out.push_back(Ban{st.text(0), st.integer(1), st.text(2), st.integer(3)});
  return out;
}

// ---- IP ranges ----

void SqliteStore::add_ip_range(const IpRange& r) {
  require(!r.name.empty(), "IP range name must not be empty");
  require(!r.cidr.empty(), "IP range " + r.name + ": address range must not be empty");
  write("IP range " + r.name, "IP range " + r.name + " exists already", [&] {
    Statement st(*db_,
                 "INSERT INTO ip_ranges (name, cidr, priority, action, expires, note) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st.bind_all(r.name, lower_ascii(r.cidr), r.priority, action_text(r.action), r.expires, r.note).run();
  });
}

bool SqliteStore::remove_ip_range(const std::string& name) {
  return remove_by_key("DELETE FROM ip_ranges WHERE name = ?1", name);
}

std::vector<IpRange> SqliteStore::list_ip_ranges() {
  Statement st(*db_,
               "SELECT name, cidr, priority, action, expires, note FROM ip_ranges ORDER BY priority DESC, name");
  std::vector<IpRange> out;
  while (st.step())
    out.push_back(IpRange{st.text(0), st.text(1), static_cast<int>(st.integer(2)), parse_action(st.text(3)),
                          st.integer(4), st.text(5)});
  return out;
}

// ---- admin users ----

void SqliteStore::add_user(const AdminUser& u) {
  require(!u.name.empty(), "user name must not be empty");
  require(!u.password_hash.empty(), "user " + u.name + ": password hash must not be empty");
  write("user " + u.name, "user " + u.name + " exists already", [&] {
    Statement st(*db_, "INSERT INTO admin_users (name, password_hash, role, created) VALUES (?1, ?2, ?3, ?4)");
    st.bind_all(u.name, u.password_hash, u.role, u.created).run();
  });
}

std::optional<AdminUser> SqliteStore::find_user(const std::string& name) {
  Statement st(*db_, "SELECT name, password_hash, role, created FROM admin_users WHERE name = ?1");
  st.bind(1, name);
  if (!st.step()) return std::nullopt;
  return AdminUser{st.text(0), st.text(1), st.text(2), st.integer(3)};
}

void SqliteStore::set_password_hash(const std::string& name, const std::string& hash) {
  require(!hash.empty(), "user " + name + ": password hash must not be empty");
  Statement(*db_, "UPDATE admin_users SET password_hash = ?2 WHERE name = ?1").bind_all(name, hash).run();
  require(db_->changes() > 0, "user " + name + " does not exist");
}

bool SqliteStore::remove_user(const std::string& name) {
  return remove_by_key("DELETE FROM admin_users WHERE name = ?1", name);
}

std::vector<AdminUser> SqliteStore::list_users() {
  Statement st(*db_, "SELECT name, password_hash, role, created FROM admin_users ORDER BY name");
  std::vector<AdminUser> out;
  while (st.step()) out.push_back(AdminUser{st.text(0), st.text(1), st.text(2), st.integer(3)});
  return out;
}

}  // namespace portcullis::store::sqlite
