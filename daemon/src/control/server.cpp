#include "control/server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <mutex>
#include <stdexcept>

#include "control/protocol.hpp"
#include "core/async.hpp"
#include "core/log.hpp"

namespace portcullis::control {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(300);
constexpr auto write_timeout = std::chrono::seconds(30);

// Log lines for one tail client: filled by the log observer (any thread), drained by the
// client's coroutine on the event loop.
struct TailFeed {
  explicit TailFeed(asio::any_io_executor ex) : timer(ex) {}
  std::mutex mutex;
  std::deque<std::string> lines;
  uint64_t dropped = 0;
  bool posted = false;
  asio::steady_timer timer;
};

const char* help_text =
    "commands: status | reload | queue list | queue flush | tail | help | quit";

}  // namespace

Server::Server(asio::io_context& io, std::filesystem::path path, std::string group, Hooks hooks)
    : io_(io), path_(std::move(path)), group_(std::move(group)), hooks_(std::move(hooks)) {}

Server::~Server() {
  if (bound_) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

void Server::start() {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  // A socket file left by a previous run: remove it, but never anything else.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw std::runtime_error("control socket " + path_.string() + " exists and is not a socket");
    std::filesystem::remove(path_, ec);
  }
  acceptor_ = std::make_unique<local::acceptor>(io_);
  boost::system::error_code bec;
  acceptor_->open(local(), bec);
  if (!bec) acceptor_->bind(local::endpoint(path_.string()), bec);
  if (!bec) acceptor_->listen(16, bec);
  if (bec) throw std::runtime_error("cannot create control socket " + path_.string() + ": " + bec.message());
  bound_ = true;
  if (::chmod(path_.c_str(), 0660) != 0)
    throw std::runtime_error("cannot chmod control socket " + path_.string());
  if (!group_.empty()) {
    std::vector<char> buf(16384);
    group g{};
    group* found = nullptr;
    if (::getgrnam_r(group_.c_str(), &g, buf.data(), buf.size(), &found) == 0 && found) {
      if (::chown(path_.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0)
        log::warn("control_socket_group", {{"group", group_}, {"error", "chown failed"}});
    } else {
      log::warn("control_socket_group", {{"group", group_}, {"error", "no such group; keeping the process group"}});
    }
  }
  log::info("control_listening", {{"path", path_.string()}});
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void Server::stop() {
  stopping_ = true;
  if (acceptor_) {
    boost::system::error_code ec;
    acceptor_->close(ec);
  }
}

asio::awaitable<void> Server::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    local::socket s = co_await acceptor_->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      continue;
    }
    if (clients_ >= max_clients) {
      const std::string busy = format_error("too many control clients");
      boost::system::error_code wec;
      s.non_blocking(true, wec);  // never wait for this client: it gets the line or nothing
      asio::write(s, asio::buffer(busy), wec);
      continue;
    }
    asio::co_spawn(io_, session(std::move(s)), asio::detached);
  }
}

std::string Server::run_command(const std::string& line, bool& tail_mode, bool& quit) {
  const auto cmd = parse_command(line);
  if (!cmd) return format_error("empty or malformed command (" + std::string(help_text) + ")");
  const auto& v = cmd->verb;
  const auto no_args = [&] { return cmd->args.empty(); };
  if (v == "status" && no_args()) return format_response(hooks_.status ? hooks_.status() : std::vector<std::string>{});
  if (v == "reload" && no_args()) {
    log::info("reload", {{"what", "policy"}, {"by", "control"}});
    if (hooks_.reload) hooks_.reload();
    return format_response({"reloading"});
  }
  if (v == "queue" && cmd->args.size() == 1 && cmd->args[0] == "list")
    return format_response(hooks_.queue_list ? hooks_.queue_list() : std::vector<std::string>{});
  if (v == "queue" && cmd->args.size() == 1 && cmd->args[0] == "flush") {
    if (hooks_.queue_flush) hooks_.queue_flush();
    return format_response({"flushing the queue"});
  }
  if (v == "tail" && no_args()) {
    tail_mode = true;
    return "ok\n";
  }
  if (v == "help" && no_args()) return format_response({help_text});
  if (v == "quit" && no_args()) {
    quit = true;
    return format_response({"bye"});
  }
  return format_error("unknown command '" + line.substr(0, 64) + "' (" + help_text + ")");
}

asio::awaitable<void> Server::session(local::socket socket) {
  ++clients_;
  struct Release {
    unsigned& n;
    ~Release() { --n; }
  } release{clients_};
  std::string buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = 0;
    {
      core::Deadline d(socket.get_executor(), idle_timeout, [&] { socket.cancel(); });
      n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buf, max_command_line + 2), '\n',
                                          asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      if (ec == asio::error::not_found) {
        const std::string e = format_error("command line too long");
        co_await asio::async_write(socket, asio::buffer(e), asio::redirect_error(asio::use_awaitable, ec));
      }
      co_return;
    }
    const std::string line = buf.substr(0, n - 1);
    buf.erase(0, n);
    bool tail_mode = false, quit = false;
    const std::string reply = run_command(line, tail_mode, quit);
    {
      core::Deadline d(socket.get_executor(), write_timeout, [&] { socket.cancel(); });
      co_await asio::async_write(socket, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec || quit) co_return;
    if (tail_mode) {
      co_await tail(socket);
      co_return;
    }
  }
}

asio::awaitable<void> Server::tail(local::socket& socket) {
  auto feed = std::make_shared<TailFeed>(socket.get_executor());
  auto ex = socket.get_executor();
  log::ObserverHandle observer([feed, ex](log::Level, std::string_view, std::span<const log::Field>,
                                          std::string_view line) {
    std::lock_guard lock(feed->mutex);
    if (feed->lines.size() >= tail_backlog) {
      ++feed->dropped;
    } else {
      std::string_view l = line;
      if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
      feed->lines.push_back(stuff_line(l));
    }
    if (!feed->posted) {
      feed->posted = true;
      asio::post(ex, [feed] { feed->timer.cancel(); });
    }
  });
  while (!stopping_) {
    feed->timer.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await feed->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::string out;
    {
      std::lock_guard lock(feed->mutex);
      feed->posted = false;
      if (feed->dropped > 0) {
        out += "# dropped " + std::to_string(feed->dropped) + " lines\n";
        feed->dropped = 0;
      }
      while (!feed->lines.empty()) {
        out += feed->lines.front();
        feed->lines.pop_front();
      }
    }
    if (out.empty()) continue;
    core::Deadline d(socket.get_executor(), write_timeout, [&] { socket.cancel(); });
    co_await asio::async_write(socket, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace portcullis::control
