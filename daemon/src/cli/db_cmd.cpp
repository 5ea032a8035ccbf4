// portcullis db status|migrate
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"

namespace portcullis::cli {
namespace {

int status(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "db status");
  auto& s = ctx.store_unmigrated();
  const int have = s.schema_version();
  const int know = s.latest_schema_version();
  const char* state = have == know ? "current" : have < know ? "needs migrate" : "newer than this build";
  print_table(ctx.out, {{"store", ctx.store_uri},
                        {"schema-version", std::to_string(have)},
                        {"build-version", std::to_string(know)},
                        {"state", state}});
  return 0;
}

int migrate(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "db migrate");
  auto& s = ctx.store_unmigrated();
  const int before = s.schema_version();
  s.migrate();  // throws for a schema newer than this build
  const int after = s.schema_version();
  if (after == before)
    ctx.out << "schema is current (version " << after << ")\n";
  else
    ctx.out << "migrated schema from version " << before << " to " << after << '\n';
  return 0;
}

}  // namespace

int cmd_db(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "db");
  if (sub == "status") return status(ctx, args);
  if (sub == "migrate") return migrate(ctx, args);
  throw UsageError("db: unknown subcommand '" + sub + "' (status, migrate)");
}

}  // namespace portcullis::cli
