// bench_tls_peer: smtp-source and smtp-sink with STARTTLS, for the TLS line of `make bench`
// (Postfix's own smtp-source/smtp-sink speak only clear text). The same tool drives both
// relays under test (Postfix and portcullisd), so its own cost weighs on both alike.
//
//   bench_tls_peer source HOST:PORT SESSIONS MESSAGES SIZE [--tls] [--message FILE]
//       MESSAGES messages of SIZE octets over SESSIONS parallel sessions, one message and one
//       recipient per connection like smtp-source (STARTTLS first with --tls, a full handshake
//       each time, the certificate not checked); exit 0 when every message got 250, 1 on any
//       other reply or error. With --message, every message is FILE (CRLF line ends) instead
//       of the generated one, sent as is apart from dot-stuffing (and a final CRLF if FILE
//       lacks one, which the end of data needs); SIZE is then ignored.
//   bench_tls_peer sink HOST:PORT [--cert FILE --key FILE]
//       accepts every session; offers STARTTLS with a certificate, and then refuses MAIL in
//       clear text (530), so a relay that skipped TLS fails the run; prints "mesg=N" after
//       every message (make bench's wait_sink reads the last one).
// Both give up after --timeout SECONDS (default 900): no run can hang the benchmark.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

tcp::endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("expected HOST:PORT, not " + text);
  unsigned port = 0;
  const std::string p = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
    throw std::runtime_error("bad port in " + text);
  return {asio::ip::make_address(text.substr(0, colon)), static_cast<unsigned short>(port)};
}

unsigned long number(const std::string& text) {
  unsigned long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) throw std::runtime_error("not a number: " + text);
  return v;
}

// One SMTP line (CRLF included) from `s`, using `buf` for what was read beyond it.
template <class Stream>
awaitable<std::string> read_line(Stream& s, std::string& buf) {
  const std::size_t n = co_await asio::async_read_until(s, asio::dynamic_buffer(buf, 1 << 20), "\r\n", use_awaitable);
  std::string line = buf.substr(0, n);
  buf.erase(0, n);
  co_return line;
}

// ---------------------------------------------------------------------------------------------
// source

// The DATA content of `text`: lines that start with '.' get another (RFC 5321 4.5.2), then the
// terminating ".\r\n" (after a CRLF if `text` does not end with one).
std::string dot_stuffed(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64 + 8);
  bool line_start = true;
  for (const char c : text) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return text;
}

struct SourceRun {
  tcp::endpoint target;
  unsigned long messages_left;
  std::string message;  // dot-stuffed content with the final ".\r\n"
  bool tls = false;
  ssl::context ctx{ssl::context::tls_client};
  unsigned long failures = 0;
};

template <class Stream>
awaitable<int> reply(Stream& s, std::string& buf) {
  for (int lines = 0; lines < 100; ++lines) {
    const std::string line = co_await read_line(s, buf);
    if (line.size() < 5 || line[3] == '-') continue;
    co_return std::atoi(line.substr(0, 3).c_str());
  }
  throw std::runtime_error("reply of more than 100 lines");
}

template <class Stream>
awaitable<void> expect(Stream& s, std::string& buf, std::string_view command, int code) {
  if (!command.empty()) co_await asio::async_write(s, asio::buffer(command.data(), command.size()), use_awaitable);
  const int got = co_await reply(s, buf);
  if (got != code)
    throw std::runtime_error("'" + std::string(command.substr(0, command.size() - 2)) + "' got " + std::to_string(got));
}

// One message, then QUIT (as smtp-source does without -d: every message its own connection,
// and with --tls its own full handshake).
template <class Stream>
awaitable<void> transaction(Stream& s, std::string& buf, SourceRun& run) {
  co_await expect(s, buf, "EHLO source.bench\r\n", 250);
  co_await expect(s, buf, "MAIL FROM:<sender@bench.example>\r\n", 250);
  co_await expect(s, buf, "RCPT TO:<user@bench.test>\r\n", 250);
  co_await expect(s, buf, "DATA\r\n", 354);
  co_await expect(s, buf, run.message, 250);
  co_await expect(s, buf, "QUIT\r\n", 221);
}

awaitable<void> source_session(SourceRun& run) {
  try {
    while (run.messages_left > 0) {
      --run.messages_left;
      tcp::socket sock(co_await asio::this_coro::executor);
      co_await sock.async_connect(run.target, use_awaitable);
      sock.set_option(tcp::no_delay(true));
      std::string buf;
      co_await expect(sock, buf, "", 220);
      if (!run.tls) {
        co_await transaction(sock, buf, run);
        continue;
      }
      co_await expect(sock, buf, "EHLO source.bench\r\n", 250);
      co_await expect(sock, buf, "STARTTLS\r\n", 220);
      ssl::stream<tcp::socket&> tls(sock, run.ctx);
      co_await tls.async_handshake(ssl::stream_base::client, use_awaitable);
      buf.clear();
      co_await transaction(tls, buf, run);
    }
  } catch (const std::exception& e) {
    ++run.failures;
    std::cerr << "bench_tls_peer source: " << e.what() << "\n";
  }
}

int source(const std::vector<std::string>& args) {
  if (args.size() < 4) throw std::runtime_error("source HOST:PORT SESSIONS MESSAGES SIZE [--tls] [--message FILE]");
  SourceRun run;
  run.target = parse_endpoint(args[0]);
  const unsigned long sessions = number(args[1]);
  run.messages_left = number(args[2]);
  const unsigned long size = number(args[3]);
  std::string message_file;
  for (std::size_t i = 4; i < args.size(); ++i) {
    if (args[i] == "--tls") {
      run.tls = true;
    } else if (args[i] == "--message" && i + 1 < args.size()) {
      message_file = args[++i];
    } else {
      throw std::runtime_error("source: unknown option " + args[i]);
    }
  }
  run.ctx.set_verify_mode(ssl::verify_none);
  if (!message_file.empty()) {
    const std::string text = read_file(message_file);
    if (text.empty()) throw std::runtime_error(message_file + " is empty");
    run.message = dot_stuffed(text);
  } else {
    run.message = "From: <sender@bench.example>\r\nTo: <user@bench.test>\r\nSubject: bench\r\n\r\n";
    while (run.message.size() < size) run.message += "abcdefghijklmnopqrstuvwxyz0123456789 bench payload line\r\n";
    run.message += ".\r\n";
  }
  asio::io_context io;
  for (unsigned long i = 0; i < sessions; ++i) asio::co_spawn(io, source_session(run), asio::detached);
  io.run();
  if (run.failures > 0 || run.messages_left > 0) {
    std::cerr << "bench_tls_peer source: " << run.failures << " sessions failed, " << run.messages_left
              << " messages not sent\n";
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// sink

struct SinkRun {
  std::unique_ptr<ssl::context> ctx;  // nullptr: no STARTTLS
  unsigned long received = 0;
};

// Serves commands on `s` until QUIT or STARTTLS; returns true for STARTTLS (220 already sent).
template <class Stream>
awaitable<bool> serve(Stream& s, std::string& buf, SinkRun& run, bool in_tls) {
  auto say = [&s](std::string_view text) -> awaitable<void> {
    co_await asio::async_write(s, asio::buffer(text.data(), text.size()), use_awaitable);
  };
  for (;;) {
    const std::string line = co_await read_line(s, buf);
    std::string verb = line.substr(0, line.find_first_of(" \r"));
    for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (verb == "EHLO") {
      co_await say(run.ctx && !in_tls ? "250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 SIZE 0\r\n"
                                      : "250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 0\r\n");
    } else if (verb == "HELO" || verb == "RCPT" || verb == "RSET" || verb == "NOOP") {
      co_await say("250 2.0.0 ok\r\n");
    } else if (verb == "MAIL") {
      co_await say(run.ctx && !in_tls ? "530 5.7.0 STARTTLS first\r\n" : "250 2.0.0 ok\r\n");
    } else if (verb == "STARTTLS" && run.ctx && !in_tls) {
      co_await say("220 2.0.0 go ahead\r\n");
      co_return true;
    } else if (verb == "DATA") {
      co_await say("354 go ahead\r\n");
      const std::size_t n =
          co_await asio::async_read_until(s, asio::dynamic_buffer(buf, 64 << 20), "\r\n.\r\n", use_awaitable);
      buf.erase(0, n);
      ++run.received;
      std::printf("mesg=%lu\n", run.received);
      std::fflush(stdout);
      co_await say("250 2.0.0 queued\r\n");
    } else if (verb == "QUIT") {
      co_await say("221 2.0.0 bye\r\n");
      co_return false;
    } else {
      co_await say("502 5.5.2 not here\r\n");
    }
  }
}

awaitable<void> sink_session(tcp::socket sock, SinkRun& run) {
  try {
    sock.set_option(tcp::no_delay(true));
    std::string buf;
    co_await asio::async_write(sock, asio::buffer(std::string_view("220 sink.bench ESMTP\r\n")), use_awaitable);
    if (!co_await serve(sock, buf, run, false)) co_return;
    ssl::stream<tcp::socket&> tls(sock, *run.ctx);
    co_await tls.async_handshake(ssl::stream_base::server, use_awaitable);
    buf.clear();
    co_await serve(tls, buf, run, true);
  } catch (const std::exception&) {
    // a peer that hangs up is no error of the sink's
  }
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, SinkRun& run) {
  for (;;) {
    tcp::socket sock = co_await acceptor.async_accept(use_awaitable);
    asio::co_spawn(acceptor.get_executor(), sink_session(std::move(sock), run), asio::detached);
  }
}

int sink(const std::vector<std::string>& args) {
  if (args.empty()) throw std::runtime_error("sink HOST:PORT [--cert FILE --key FILE]");
  SinkRun run;
  std::string cert, key;
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "--cert") cert = args[i + 1];
    if (args[i] == "--key") key = args[i + 1];
  }
  if (!cert.empty()) {
    run.ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    run.ctx->use_certificate_chain_file(cert);
    run.ctx->use_private_key_file(key, ssl::context::pem);
  }
  asio::io_context io;
  tcp::acceptor acceptor(io, parse_endpoint(args[0]));
  acceptor.listen(1024);
  asio::co_spawn(io, accept_loop(acceptor, run), asio::detached);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  unsigned long limit = 900;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--timeout") {
      limit = number(args[i + 1]);
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      break;
    }
  }
  alarm(static_cast<unsigned>(limit));  // the default SIGALRM action ends the process
  try {
    if (!args.empty() && args[0] == "source") return source({args.begin() + 1, args.end()});
    if (!args.empty() && args[0] == "sink") return sink({args.begin() + 1, args.end()});
    std::cerr << "usage: bench_tls_peer source|sink ... (see the file's header)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "bench_tls_peer: " << e.what() << "\n";
    return 1;
  }
}
