// The admin CLI `portcullis`: global options, then one command group per file
// (cli/<group>_cmd.cpp), each an `int cmd_<group>(Context&, std::vector<std::string>)` that
// gets the arguments after the group name and returns the exit code (0 success, 1 failure).
// A group reports errors by throwing: UsageError for bad command lines, CommandError (or
// store::StoreError, core::ConfigError, std::invalid_argument) for failures; run() prints
// them as one line "portcullis: error: ..." on stderr and exits 1.
#pragma once
#include <iosfwd>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "store/store.hpp"

namespace portcullis::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What every command gets: the loaded bootstrap configuration, the store (opened on first
// use) and the output streams (std::cout / std::cerr, or string streams in tests).
class Context {
 public:
  Context(core::Config config, std::string store_uri, std::ostream& out, std::ostream& err);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const core::Config config;
  const std::string store_uri;  // --store, else config.store, else sqlite:<data_dir>/portcullis.db
  std::ostream& out;
  std::ostream& err;

  // The store, ready for use: a fresh (empty) database is set up; an older schema is an
  // error telling to run 'portcullis db migrate' (store/schema.hpp).
  store::Store& store();
  // The store as it is, not migrated (db status, db migrate).
  store::Store& store_unmigrated();

 private:
  std::unique_ptr<store::Store> open_after_drop(const std::string& password);
  std::unique_ptr<store::Store> store_;
  bool migrated_ = false;
};

// Command groups. `args` are the words after the group name ("domain add x ..." -> {"add", "x", ...}).
int cmd_domain(Context& ctx, std::vector<std::string> args);
int cmd_recipient(Context& ctx, std::vector<std::string> args);
int cmd_alias(Context& ctx, std::vector<std::string> args);
int cmd_relaynet(Context& ctx, std::vector<std::string> args);
int cmd_settings(Context& ctx, std::vector<std::string> args);
int cmd_db(Context& ctx, std::vector<std::string> args);
int cmd_log(Context& ctx, std::vector<std::string> args);
int cmd_user(Context& ctx, std::vector<std::string> args);
int cmd_rules(Context& ctx, std::vector<std::string> args);
int cmd_cert(Context& ctx, std::vector<std::string> args);
int cmd_tlspolicy(Context& ctx, std::vector<std::string> args);
// Outbound DKIM signing keys (cli/dkim_cmd.cpp).
int cmd_dkim(Context& ctx, std::vector<std::string> args);
// Spam and malware policies and their assignments; quarantine digests (cli/spampolicy_cmd.cpp).
int cmd_spam_policy(Context& ctx, std::vector<std::string> args);
int cmd_quarantine_digest(Context& ctx, std::vector<std::string> args);
// DNS block lists (cli/dnsbl_cmd.cpp), IP ranges (cli/iprange_cmd.cpp), auto-bans (cli/ban_cmd.cpp).
int cmd_dnsbl(Context& ctx, std::vector<std::string> args);
int cmd_iprange(Context& ctx, std::vector<std::string> args);
int cmd_ban(Context& ctx, std::vector<std::string> args);
// The running daemon, over its control socket (cli/status_cmd.cpp).
int cmd_status(Context& ctx, std::vector<std::string> args);
int cmd_reload(Context& ctx, std::vector<std::string> args);
int log_tail(Context& ctx, const std::vector<std::string>& args);
// --since/--until values: an age ("2h"), a UTC date or date-time, or "@UNIXTIME".
int64_t parse_time_option(const std::string& text, const std::string& option, int64_t now);
// The mail queue (list, show, flush, delete, ...): written by the queue room's owner in
// cli/queue_cmd.cpp. Its help text comes from the group itself ("queue help").
int cmd_queue(Context& ctx, std::vector<std::string> args);
// The quarantine: held messages (cli/quarantine_cmd.cpp).
int cmd_quarantine(Context& ctx, std::vector<std::string> args);

// The whole CLI: parses global options, loads the configuration, dispatches, prints errors.
// Returns the process exit code.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Usage text: the overview (group empty) or one group's.
std::string usage(const std::string& group = {});

}  // namespace portcullis::cli
