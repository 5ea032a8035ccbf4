// Step "database": per-instance database passwords and the schema. For the appliance's local
// MariaDB (a store URI with a unix socket) it sets a random root password (root keeps socket
// authentication) and creates the application's database and user with a random password,
// each kept in a root-only file; the daemon reads its own (store_password_file). An SQLite
// store needs no password. Either way the store is then created or migrated.
#include <stdexcept>

#include "core/text.hpp"
#include "steps/step.hpp"
#include "store/mariadb/connection.hpp"
#include "store/mariadb/uri.hpp"

namespace portcullis::firstboot {
namespace {

namespace mdb = store::mariadb;

constexpr const char* root_password_file = "/etc/portcullis/secrets/mariadb-root.password";

// The secret in `file` of the tree, or a new one written there (root-only, or root:group 0640).
std::string keep_or_create(const Target& t, const std::filesystem::path& file, Owner owner, mode_t mode) {
  if (auto text = core::read_file(t.path(file)); text && !core::first_line(*text).empty()) return core::first_line(*text);
  const std::string secret = random_secret(32);
  t.write_file(file, secret + "\n", mode, owner);
  return secret;
}

// Root over the server's socket: socket authentication as the system's root first, then the
// password this step set on an earlier run.
std::unique_ptr<mdb::Connection> connect_root(const mdb::Uri& app, const std::string& root_password) {
  mdb::Settings s;
  s.uri = app;
  s.uri.user = "root";
  s.uri.database.clear();
  s.multi_statements = true;
  s.connect_timeout = 10;
  s.read_timeout = s.write_timeout = 30;
  s.max_statement_time = 0;
  try {
    return std::make_unique<mdb::Connection>(s);
  } catch (const mdb::MariadbError&) {
    s.password = root_password;
    return std::make_unique<mdb::Connection>(s);
  }
}

void provision_mariadb(StepContext& ctx, const mdb::Uri& uri) {
  const Target& t = ctx.target;
  if (t.config().store_password_file.empty())
    throw std::runtime_error("the store is MariaDB but store_password_file is not set in the configuration");
  t.make_dir(std::filesystem::path(root_password_file).parent_path(), 0700);
  const std::string root_pw = keep_or_create(t, root_password_file, {}, 0600);
  Owner daemon{0, t.service_owner().gid};
  const std::string app_pw = keep_or_create(t, t.config().store_password_file, daemon, 0640);
  if (uri.socket.empty()) {
    // A shared database elsewhere (a cluster): its admin creates the account; we only use it.
    t.log() << "  database " << uri.describe() << ": remote, using the password in "
            << t.config().store_password_file.string() << '\n';
    return;
  }
  auto root = connect_root(uri, root_pw);
  // Names are validated by parse_uri (letters, digits, _-.$) and the passwords are [A-Za-z0-9]:
  // nothing here needs escaping.
  const std::string account = "'" + uri.user + "'@'localhost'";
  root->script("CREATE DATABASE IF NOT EXISTS `" + uri.database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;" +
               "CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY '" + app_pw + "';" +
               "ALTER USER " + account + " IDENTIFIED BY '" + app_pw + "';" +
               "GRANT ALL PRIVILEGES ON `" + uri.database + "`.* TO " + account + ";" +
               "DELETE FROM mysql.global_priv WHERE User='';" +
               "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('" +
               root_pw + "');" + "FLUSH PRIVILEGES");
  t.log() << "  database " << uri.describe() << ": account and random passwords set (root's in " << root_password_file
          << ")\n";
}

}  // namespace

void apply_database(StepContext& ctx) {
  const std::string& uri = ctx.target.config().store;
  if (uri.starts_with("mariadb:")) provision_mariadb(ctx, mdb::parse_uri(uri));
  auto& s = ctx.store();
  ctx.target.log() << "  store: schema version " << s.schema_version() << '\n';
}

}  // namespace portcullis::firstboot
