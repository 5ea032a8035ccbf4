// portcullis status | reload: ask the running daemon over its control socket.
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/control_client.hpp"

namespace portcullis::cli {
namespace {

std::filesystem::path socket_path(Context& ctx, const Parsed& p) {
  if (auto s = p.option("socket")) return *s;
  return ctx.config.control_socket;
}

}  // namespace

int cmd_status(Context& ctx, std::vector<std::string> args) {
  const auto p = parse_options(args, {"socket"});
  expect_positionals(p, 0, 0, "status [--socket PATH]");
  ControlClient client(socket_path(ctx, p));
  const auto r = client.request("status");
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : r.lines) {
    const auto eq = line.find('=');
    rows.push_back({line.substr(0, eq), eq == std::string::npos ? "" : line.substr(eq + 1)});
  }
  print_table(ctx.out, rows);
  return 0;
}

int cmd_reload(Context& ctx, std::vector<std::string> args) {
  const auto p = parse_options(args, {"socket"});
  expect_positionals(p, 0, 0, "reload [--socket PATH]");
  ControlClient client(socket_path(ctx, p));
  client.request("reload");
  ctx.out << "portcullisd is reloading its policy and rules\n";
  return 0;
}

int log_tail(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"socket"});
  expect_positionals(p, 0, 0, "log tail [--socket PATH]");
  ControlClient client(socket_path(ctx, p));
  client.tail(ctx.out);
  return 0;
}

}  // namespace portcullis::cli
