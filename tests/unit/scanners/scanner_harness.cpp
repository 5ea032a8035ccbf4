// tests/unit/scanners/scanner_harness.hpp: scanner processes, fake scanners, test messages.
#include "scanner_harness.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <thread>

namespace portcullis::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

checks::scanner::Endpoint endpoint(const std::string& text) {
  auto parsed = checks::scanner::parse_endpoint(text);
  if (!parsed.endpoint) throw std::runtime_error("bad endpoint in a test: " + parsed.error);
  return *parsed.endpoint;
}

// ---------------------------------------------------------------------------------------------
// ScannerProcess

namespace {

// The value of "key": "value" in the helper's one-line JSON (no escapes in what it prints but
// in an error text, which is shown as is).
std::string json_string(const std::string& line, const std::string& key) {
  const std::string marker = "\"" + key + "\": \"";
  const auto at = line.find(marker);
  if (at == std::string::npos) return {};
  std::string out;
  for (std::size_t k = at + marker.size(); k < line.size(); ++k) {
    if (line[k] == '\\' && k + 1 < line.size()) {
      const char next = line[++k];
      out += next == 'n' ? '\n' : next;
      continue;
    }
    if (line[k] == '"') break;
    out += line[k];
  }
  return out;
}

double json_number(const std::string& line, const std::string& key) {
  const std::string marker = "\"" + key + "\": ";
  const auto at = line.find(marker);
  if (at == std::string::npos) return 0.0;
  return std::strtod(line.c_str() + at + marker.size(), nullptr);
}

bool reaped(pid_t pid, Clock::duration within) {
  const auto until = Clock::now() + within;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

ScannerProcess::ScannerProcess(std::string kind, std::vector<std::string> args) {
  const std::string script = std::string(PORTCULLIS_SOURCE_DIR) + "/tests/tools/scanners.py";
  std::vector<std::string> argv_text = {"/usr/bin/python3", script, std::move(kind)};
  for (auto& a : args) argv_text.push_back(std::move(a));
  std::vector<char*> argv = core::exec_argv(argv_text);
  core::Pipe in;
  core::Pipe out;
  pid_ = fork();
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // the helper stops its scanner if this test dies
    dup2(in.read.get(), STDIN_FILENO);
    dup2(out.write.get(), STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  in.read.reset();
  out.write.reset();
  stdin_ = std::move(in.write);

  // One line, within a bound (spamd compiles its rules: a few seconds on a busy machine).
  std::string line;
  const auto until = Clock::now() + 120s;
  while (line.find('\n') == std::string::npos && Clock::now() < until) {
    pollfd p{out.read.get(), POLLIN, 0};
    const int ready = poll(&p, 1, 200);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    std::array<char, 4096> buffer{};
    const ssize_t n = read(out.read.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buffer.data(), static_cast<std::size_t>(n));
  }
  if (line.find('\n') == std::string::npos) {
    error_ = "scanners.py did not report within 120 s: '" + line + "'";
    return;
  }
  error_ = json_string(line, "error");
  if (!error_.empty()) return;
  unix_path_ = json_string(line, "unix");
  tcp_ = json_string(line, "tcp");
  startup_seconds_ = json_number(line, "startup_seconds");
  if (unix_path_.empty() || tcp_.empty()) error_ = "unexpected report from scanners.py: " + line;
}

ScannerProcess::~ScannerProcess() {
  if (pid_ <= 0) return;
  stdin_.reset();  // the helper sees the end of its input and stops the scanner
  if (reaped(pid_, 30s)) return;
  kill(pid_, SIGTERM);
  if (reaped(pid_, 15s)) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

// ---------------------------------------------------------------------------------------------
// FakeServer

struct FakeServer::State {
  explicit State(asio::io_context& io) : acceptor(io) {}
  asio::basic_socket_acceptor<asio::generic::stream_protocol> acceptor;
  std::vector<std::shared_ptr<Socket>> connections;
  Handler handle;
  int accepted = 0;
};

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<FakeServer::State> state);

}  // namespace

FakeServer::FakeServer(asio::io_context& io, Kind kind, Handler handle) : state_(std::make_shared<State>(io)) {
  state_->handle = std::move(handle);
  asio::generic::stream_protocol::endpoint where;
  if (kind == Kind::tcp) {
    where = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
  } else {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/portcullis-fake-scanner-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    where = asio::local::stream_protocol::endpoint((dir_ / "scanner.sock").string());
  }
  state_->acceptor.open(where.protocol());
  if (kind == Kind::tcp) state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(where);
  state_->acceptor.listen();
  if (kind == Kind::tcp) {
    const auto bound = state_->acceptor.local_endpoint();
    sockaddr_in in{};
    std::memcpy(&in, bound.data(), sizeof in);
    endpoint_ = "tcp:127.0.0.1:" + std::to_string(ntohs(in.sin_port));
  } else {
    endpoint_ = "unix:" + (dir_ / "scanner.sock").string();
  }
  auto loop = accept_loop(state_);
  asio::co_spawn(io, std::move(loop), asio::detached);
}

int FakeServer::accepted() const { return state_->accepted; }

FakeServer::~FakeServer() {
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& c : state_->connections) c->close(ignored);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

namespace {

asio::awaitable<void> serve(std::shared_ptr<FakeServer::State> state, std::shared_ptr<FakeServer::Socket> socket) {
  try {
    auto op = state->handle(socket);
    co_await std::move(op);
  } catch (const std::exception&) {
    // the client went away: nothing to do
  }
  boost::system::error_code ignored;
  socket->close(ignored);  // like the scanners: one request per connection
}

asio::awaitable<void> accept_loop(std::shared_ptr<FakeServer::State> state) {
  while (state->acceptor.is_open()) {
    boost::system::error_code ec;
    FakeServer::Socket accepted = co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto socket = std::make_shared<FakeServer::Socket>(std::move(accepted));
    ++state->accepted;
    state->connections.push_back(socket);
    if (state->handle) {
      auto op = serve(state, socket);
      asio::co_spawn(state->acceptor.get_executor(), std::move(op), asio::detached);
    }
  }
}

}  // namespace

asio::awaitable<std::string> read_exactly(FakeServer::Socket& socket, std::size_t n) {
  std::string out(n, '\0');
  boost::system::error_code ec;
  const std::size_t got =
      co_await asio::async_read(socket, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  out.resize(got);
  co_return out;
}

asio::awaitable<std::string> read_until(FakeServer::Socket& socket, std::string marker, std::size_t limit) {
  std::string out;
  std::array<char, 4096> buffer{};
  while (out.find(marker) == std::string::npos && out.size() < limit) {
    boost::system::error_code ec;
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    out.append(buffer.data(), n);
    if (ec) break;
  }
  co_return out;
}

asio::awaitable<void> write_all(FakeServer::Socket& socket, std::string data) {
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
}

// ---------------------------------------------------------------------------------------------
// Messages

std::string eicar() { return R"EICAR(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)EICAR"; }

std::string gtube() { return "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"; }

std::string message_with_body(const std::string& body) {
  return "Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n"
         "\tby mx.example.com with ESMTP id 4AbCdEf; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
         "From: Alice Example <alice@example.org>\r\n"
         "To: Bob Example <bob@example.com>\r\n"
         "Subject: Lunch on Friday\r\n"
         "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
         "Message-ID: <20240101100000.4AbCdEf.alice@mail.example.org>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n" +
         body;
}

}  // namespace portcullis::test
