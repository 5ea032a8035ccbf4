// The control socket: a unix stream socket (mode 0660, group `control_group`) on which the
// CLI asks the running daemon what it is doing (status), tells it to reload, to flush the
// queue, or follows its log (tail). Protocol in control/protocol.hpp. Runs on the event loop;
// every read has a deadline, at most max_clients at once; access control is the socket
// file's permissions.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace portcullis::control {

struct Hooks {
  std::function<std::vector<std::string>()> status;  // "key=value" lines
  std::function<void()> reload;
  std::function<void()> queue_flush;
  std::function<std::vector<std::string>()> queue_list;  // one line per message
};

class Server {
 public:
  static constexpr unsigned max_clients = 16;
  static constexpr std::size_t tail_backlog = 1000;  // lines a slow tail client may lag

  Server(boost::asio::io_context& io, std::filesystem::path path, std::string group, Hooks hooks);
  ~Server();  // removes the socket file
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (removing a stale socket file first); throws std::runtime_error naming the path.
  void start();
  void stop();
  const std::filesystem::path& path() const { return path_; }

 private:
  using socket_type = boost::asio::local::stream_protocol::socket;
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(socket_type socket);
  boost::asio::awaitable<void> tail(socket_type& socket);
  std::string run_command(const std::string& line, bool& tail_mode, bool& quit);

  boost::asio::io_context& io_;
  std::filesystem::path path_;
  std::string group_;
  Hooks hooks_;
  std::unique_ptr<boost::asio::local::stream_protocol::acceptor> acceptor_;
  unsigned clients_ = 0;
  bool stopping_ = false;
  bool bound_ = false;
};

}  // namespace portcullis::control
