#include "checks/scanner/ping.hpp"

#include "checks/scanner/exchange.hpp"
#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

boost::asio::awaitable<PingResult> ping(boost::asio::any_io_executor executor, Endpoint endpoint,
                                        std::chrono::milliseconds timeout, std::string peer,
                                        std::string_view request, std::size_t limit, char until,
                                        bool (*is_pong)(std::string_view)) {
  PingResult out;
  Exchange exchange(executor, timeout, peer);
  boost::system::error_code ec;
  std::string step = "connecting";
  {
    auto op = exchange.connect(endpoint);
    ec = co_await std::move(op);
  }
  if (!ec) {
    step = "sending PING";
    auto op = exchange.write(request);
    ec = co_await std::move(op);
  }
  if (!ec) {
    auto op = exchange.read_reply(limit, until);
    const Exchange::Reply reply = co_await std::move(op);
    if (is_pong(reply.data)) {
      out.ok = true;
      co_return out;
    }
    ec = reply.error;
    step = "waiting for PONG";
    if (!ec && !exchange.expired()) {
      out.detail = peer + " answered '" + printable(reply.data, 60) + "' to PING";
      co_return out;
    }
  }
  out.timed_out = exchange.expired();
  out.detail = exchange.describe(ec, step);
  co_return out;
}

}  // namespace portcullis::checks::scanner
