// Resolver: a c-ares channel driven by the Asio loop (see net/dns.hpp).
//
// c-ares tells us which sockets it wants watched (ARES_OPT_SOCK_STATE_CB); each one is wrapped
// in a stream_descriptor that is only waited on (wait_read/wait_write) and never closes the fd,
// which c-ares owns. A steady_timer follows ares_timeout() for retransmissions. Each lookup
// has its own deadline timer. c-ares calls back synchronously from inside ares_query,
// ares_process_fd and ares_destroy, so a callback only records the answer and *posts* the
// completion: no user code ever runs inside c-ares.
//
// Lifetimes: the Resolver is the only owner of Impl; everything queued on the loop (socket
// waits, timers, lookups not yet started) holds a weak_ptr and does nothing once Impl is gone.
// A Lookup is owned by its in-flight c-ares queries (each query's callback arg holds a
// shared_ptr), and c-ares calls every callback exactly once, ares_destroy included.
#include "net/dns.hpp"

#include <ares.h>
#include <arpa/nameser.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <climits>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <openssl/rand.h>

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/log.hpp"
#include "net/dns_detail.hpp"

namespace portcullis::net {

namespace asio = boost::asio;
using detail::DnsReply;
using Replies = std::vector<DnsReply>;

namespace {

// ares_library_init/cleanup keep an unprotected counter: serialise them here.
class LibraryRef {
 public:
  LibraryRef() {
    std::lock_guard lock(mutex());
    if (users() == 0) {
      int rc = ares_library_init(ARES_LIB_INIT_ALL);
      if (rc != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares init: ") + ares_strerror(rc));
    }
    ++users();
  }
  ~LibraryRef() {
    std::lock_guard lock(mutex());
    if (--users() == 0) ares_library_cleanup();
  }
  LibraryRef(const LibraryRef&) = delete;
  LibraryRef& operator=(const LibraryRef&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& users() {
    static int n = 0;
    return n;
  }
};

struct Question {
  std::string name;
  int type;
};

// One lookup: one or more queries answered together, bounded by a deadline.
struct Lookup {
  Lookup(const asio::any_io_executor& ex, std::size_t queries, std::function<void(Replies)> done)
      : replies(queries), pending(queries), deadline(ex), complete(std::move(done)) {}
  // Hands the replies (ARES_ETIMEOUT for those still missing) to the waiting coroutine, once.
  void finish() {
    if (finished) return;
    finished = true;
    deadline.cancel();
    auto done = std::move(complete);
    done(std::move(replies));
  }
  Replies replies;
  std::size_t pending;
  bool finished = false;
  asio::steady_timer deadline;
  std::function<void(Replies)> complete;
};

// Query ids in flight on one channel: c-ares 1.18's ares_send keeps the id of the query we
// built and matches answers by it, so each must be unique (and unpredictable, as a defence
// against forged answers).
class QueryIds {
 public:
  // A fresh id, or nullopt if (absurdly) most ids are in use.
  std::optional<std::uint16_t> take() {
    if (used_.size() > 60000) return std::nullopt;
    for (int i = 0; i < 1000; ++i) {
      std::uint16_t id = 0;
      if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1) return std::nullopt;
      if (used_.insert(id).second) return id;
    }
    return std::nullopt;
  }
  void give_back(std::uint16_t id) { used_.erase(id); }

 private:
  std::unordered_set<std::uint16_t> used_;
};

struct QueryArg {
  std::shared_ptr<Lookup> lookup;
  std::size_t index;
  QueryIds* ids;  // the channel's (c-ares calls back only from calls its Impl makes)
  std::uint16_t id;
};

// c-ares' callback: called exactly once per ares_send, possibly from inside ares_send itself.
void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) noexcept {
  std::unique_ptr<QueryArg> query(static_cast<QueryArg*>(arg));
  if (query->ids) query->ids->give_back(query->id);
  Lookup& lookup = *query->lookup;
  if (lookup.finished) return;  // the deadline came first
  try {
    DnsReply& reply = lookup.replies[query->index];
    reply.status = detail::answer_status(status, abuf, alen > 0 ? static_cast<std::size_t>(alen) : 0);
    if (abuf != nullptr && alen > 0) reply.message.assign(abuf, abuf + alen);
  } catch (...) {
    lookup.replies[query->index] = DnsReply{ARES_ENOMEM, {}};
  }
  if (--lookup.pending == 0) {
    try {
      lookup.finish();
    } catch (const std::exception& e) {
      log::error("dns_completion_failed", {{"error", e.what()}});
    }
  }
}

}  // namespace

struct Resolver::Impl : std::enable_shared_from_this<Resolver::Impl> {
  struct Watcher {
    Watcher(const asio::any_io_executor& ex, ares_socket_t s) : sd(ex, s), fd(s) {}
    ~Watcher() {
      if (sd.is_open()) sd.release();  // c-ares owns the socket: never close it here
    }
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;
    asio::posix::stream_descriptor sd;
    ares_socket_t fd;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool closed = false;
  };

  Impl(asio::any_io_executor executor, const ResolverOptions& opts) : ex(std::move(executor)), timer(ex) {
    if (opts.timeout.count() <= 0 || opts.timeout.count() > INT_MAX / 16)
      throw std::runtime_error("DNS timeout out of range");
    if (opts.tries < 1 || opts.tries > 16) throw std::runtime_error("DNS tries out of range");
    deadline = opts.timeout * opts.tries;
    const std::string csv = detail::servers_csv(opts.servers);

    ares_options o{};
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS;
    o.timeout = static_cast<int>(opts.timeout.count());
    o.tries = opts.tries;
    o.ednspsz = udp_size;
    o.sock_state_cb = &Impl::on_sock_state;
    o.sock_state_cb_data = this;
    const int mask =
        ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB;
    int rc = ares_init_options(&channel, &o, mask);
    if (rc != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares channel: ") + ares_strerror(rc));
    if (!csv.empty()) {
      rc = ares_set_servers_ports_csv(channel, csv.c_str());
      if (rc != ARES_SUCCESS) {
        ares_destroy(std::exchange(channel, nullptr));
        throw std::runtime_error(std::string("DNS servers '") + csv + "': " + ares_strerror(rc));
      }
    }
  }

  ~Impl() { shutdown(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  bool running() const { return channel != nullptr; }

  // Completes every pending query (ARES_EDESTRUCTION) and stops watching sockets.
  void shutdown() {
    if (!channel) return;
    ares_destroy(std::exchange(channel, nullptr));
    timer.cancel();
    for (auto& [fd, w] : watchers) {
      w->closed = true;
      w->sd.release();
    }
    watchers.clear();
  }

  void start(const std::vector<Question>& questions, std::function<void(Replies)> complete) {
    auto lookup = std::make_shared<Lookup>(ex, questions.size(), std::move(complete));
    lookup->deadline.expires_after(deadline);
    lookup->deadline.async_wait([weak = std::weak_ptr<Lookup>(lookup)](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto l = weak.lock()) l->finish();
    });
    for (std::size_t i = 0; i < questions.size(); ++i) {
      // ares_send with our own query rather than ares_query: the query must carry the AD bit.
      auto query = detail::make_query(questions[i].name, questions[i].type, udp_size);
      if (query.empty()) {
        on_answer(new QueryArg{lookup, i, nullptr, 0}, ARES_EBADNAME, 0, nullptr, 0);
        continue;
      }
      const auto id = ids.take();
      if (!id) {
        on_answer(new QueryArg{lookup, i, nullptr, 0}, ARES_ENOMEM, 0, nullptr, 0);
        continue;
      }
      query[0] = static_cast<unsigned char>(*id >> 8);
      query[1] = static_cast<unsigned char>(*id & 0xff);
      ares_send(channel, query.data(), static_cast<int>(query.size()), &on_answer, new QueryArg{lookup, i, &ids, *id});
    }
    reschedule();
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) noexcept {
    auto* self = static_cast<Impl*>(data);
    auto it = self->watchers.find(fd);
    if (!readable && !writable) {  // c-ares is about to close fd
      if (it != self->watchers.end()) {
        it->second->closed = true;
        it->second->sd.release();
        self->watchers.erase(it);
      }
      return;
    }
    try {
      if (it == self->watchers.end()) it = self->watchers.emplace(fd, std::make_shared<Watcher>(self->ex, fd)).first;
      auto w = it->second;
      w->want_read = readable != 0;
      w->want_write = writable != 0;
      self->arm(w);
    } catch (const std::exception& e) {  // the query then ends by its deadline
      log::error("dns_socket_watch_failed", {{"error", e.what()}});
    }
  }

  void arm(const std::shared_ptr<Watcher>& w) {
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->sd.async_wait(asio::posix::descriptor_base::wait_read,
                       [weak = weak_from_this(), w](const boost::system::error_code& ec) {
                         w->reading = false;
                         if (ec == asio::error::operation_aborted || w->closed) return;
                         if (auto self = weak.lock()) self->on_ready(w, true);
                       });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->sd.async_wait(asio::posix::descriptor_base::wait_write,
                       [weak = weak_from_this(), w](const boost::system::error_code& ec) {
                         w->writing = false;
                         if (ec == asio::error::operation_aborted || w->closed) return;
                         if (auto self = weak.lock()) self->on_ready(w, false);
                       });
    }
  }

  void on_ready(const std::shared_ptr<Watcher>& w, bool readable) {
    if (!channel) return;
    ares_process_fd(channel, readable ? w->fd : ARES_SOCKET_BAD, readable ? ARES_SOCKET_BAD : w->fd);
    if (!w->closed) arm(w);
    reschedule();
  }

  // Arms the timer for c-ares' next retransmission or timeout, if any query is pending.
  void reschedule() {
    if (!channel) return;
    timeval tv{};
    timeval* next = ares_timeout(channel, nullptr, &tv);
    if (next == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec));
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || !self->channel) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->reschedule();
    });
  }

  // Every server c-ares asks is a loopback address.
  bool servers_local() const {
    if (!channel) return false;
    ares_addr_port_node* raw = nullptr;
    if (ares_get_servers_ports(channel, &raw) != ARES_SUCCESS) return false;
    std::unique_ptr<ares_addr_port_node, void (*)(void*)> list(raw, &ares_free_data);
    bool any = false;
    for (const ares_addr_port_node* n = list.get(); n; n = n->next) {
      any = true;
      if (n->family == AF_INET) {
        asio::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), &n->addr.addr4, b.size());
        if (!asio::ip::address_v4(b).is_loopback()) return false;
      } else if (n->family == AF_INET6) {
        asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &n->addr.addr6, b.size());
        const asio::ip::address_v6 v6(b);
        if (!v6.is_loopback() && !(v6.is_v4_mapped() && asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback()))
          return false;
      } else {
        return false;
      }
    }
    return any;
  }

  static constexpr int udp_size = 1232;  // the DNS flag day 2020 size: no IP fragmentation
  QueryIds ids;  // before `channel`: ares_destroy (in shutdown) still gives ids back
  asio::any_io_executor ex;
  std::chrono::milliseconds deadline{};
  LibraryRef library;
  ares_channel channel = nullptr;
  asio::steady_timer timer;
  std::unordered_map<ares_socket_t, std::shared_ptr<Watcher>> watchers;
};

namespace {

// Runs the questions on the resolver and resumes the awaiting coroutine with one reply each.
// Only a weak_ptr is held while suspended: destroying the Resolver completes the lookup.
auto async_lookup(std::weak_ptr<Resolver::Impl> resolver, std::vector<Question> questions) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(Replies)>(
      [weak = std::move(resolver)](auto handler, std::vector<Question> qs) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        std::function<void(Replies)> complete = [h, ex](Replies replies) {
          asio::post(ex, [h, replies = std::move(replies)]() mutable { std::move(*h)(std::move(replies)); });
        };
        auto impl = weak.lock();
        if (!impl || !impl->running()) {
          complete(Replies(qs.size(), DnsReply{ARES_EDESTRUCTION, {}}));
          return;
        }
        impl->start(qs, std::move(complete));
      },
      asio::use_awaitable, std::move(questions));
}

// (Built outside the coroutines: GCC 12 mishandles braced lists inside co_await expressions.)
std::vector<Question> questions(const std::string& name, int type, int second_type = 0) {
  std::vector<Question> qs{Question{name, type}};
  if (second_type != 0) qs.push_back(Question{name, second_type});
  return qs;
}

template <class Result>
Result failed(DnsStatus status) {
  Result r;
  r.status = status;
  return r;
}

asio::awaitable<MxResult> mx_lookup(std::weak_ptr<Resolver::Impl> impl, std::string domain) {
  if (!valid_dns_name(domain)) co_return failed<MxResult>(DnsStatus::perm_failure);
  auto replies = co_await async_lookup(std::move(impl), questions(domain, ns_t_mx));
  MxResult r = detail::parse_mx(replies.at(0));
  r.authenticated = detail::authenticated(replies.at(0));
  r.ttl = detail::answer_ttl(replies.at(0));
  co_return r;
}

asio::awaitable<AddressResult> address_lookup(std::weak_ptr<Resolver::Impl> impl, std::string host) {
  if (!valid_dns_name(host)) co_return failed<AddressResult>(DnsStatus::perm_failure);
  auto replies = co_await async_lookup(std::move(impl), questions(host, ns_t_a, ns_t_aaaa));
  AddressResult r = detail::parse_addresses(replies.at(0), replies.at(1));
  r.authenticated = detail::authenticated(replies.at(0)) && detail::authenticated(replies.at(1));
  r.ttl = std::min(detail::answer_ttl(replies.at(0)), detail::answer_ttl(replies.at(1)));
  co_return r;
}

// One family: A or AAAA (the other reply is an empty NODATA for the parser).
asio::awaitable<AddressResult> family_lookup(std::weak_ptr<Resolver::Impl> impl, std::string host, int type) {
  if (!valid_dns_name(host)) co_return failed<AddressResult>(DnsStatus::perm_failure);
  auto replies = co_await async_lookup(std::move(impl), questions(host, type));
  const DnsReply none{ARES_ENODATA, {}};
  AddressResult r = type == ns_t_a ? detail::parse_addresses(replies.at(0), none)
                                   : detail::parse_addresses(none, replies.at(0));
  r.authenticated = detail::authenticated(replies.at(0));
  r.ttl = detail::answer_ttl(replies.at(0));
  co_return r;
}

asio::awaitable<TxtResult> txt_lookup(std::weak_ptr<Resolver::Impl> impl, std::string name) {
  if (!valid_dns_name(name)) co_return failed<TxtResult>(DnsStatus::perm_failure);
  auto replies = co_await async_lookup(std::move(impl), questions(name, ns_t_txt));
  TxtResult r = detail::parse_txt(replies.at(0));
  r.ttl = detail::answer_ttl(replies.at(0));
  co_return r;
}

asio::awaitable<PtrResult> ptr_lookup(std::weak_ptr<Resolver::Impl> impl, asio::ip::address ip) {
  auto replies = co_await async_lookup(std::move(impl), questions(reverse_name(ip), ns_t_ptr));
  PtrResult r = detail::parse_ptr(replies.at(0));
  r.ttl = detail::answer_ttl(replies.at(0));
  co_return r;
}

asio::awaitable<TlsaResult> tlsa_lookup(std::weak_ptr<Resolver::Impl> impl, std::string name) {
  if (!valid_dns_name(name)) co_return failed<TlsaResult>(DnsStatus::perm_failure);
  auto replies = co_await async_lookup(std::move(impl), questions(name, 52 /* TLSA */));
  TlsaResult r = detail::parse_tlsa(replies.at(0));
  r.ttl = detail::answer_ttl(replies.at(0));
  co_return r;
}

}  // namespace

Resolver::Resolver(asio::any_io_executor ex, ResolverOptions opts)
    : impl_(std::make_shared<Impl>(std::move(ex), opts)) {}

Resolver::~Resolver() {
  if (impl_) impl_->shutdown();
}

Resolver::Resolver(Resolver&&) noexcept = default;

Resolver& Resolver::operator=(Resolver&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->shutdown();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

// Not coroutines themselves: `this` must not be captured by a frame that may outlive it.
asio::awaitable<MxResult> Resolver::mx(std::string domain) { return mx_lookup(impl_, std::move(domain)); }

asio::awaitable<AddressResult> Resolver::addresses(std::string host) {
  return address_lookup(impl_, std::move(host));
}

asio::awaitable<AddressResult> Resolver::a(std::string name) {
  return family_lookup(impl_, std::move(name), ns_t_a);
}

asio::awaitable<AddressResult> Resolver::aaaa(std::string name) {
  return family_lookup(impl_, std::move(name), ns_t_aaaa);
}

asio::awaitable<TxtResult> Resolver::txt(std::string name) { return txt_lookup(impl_, std::move(name)); }

asio::awaitable<PtrResult> Resolver::ptr(asio::ip::address ip) { return ptr_lookup(impl_, ip); }

asio::awaitable<TlsaResult> Resolver::tlsa(std::string name) { return tlsa_lookup(impl_, std::move(name)); }

bool Resolver::servers_local() const { return impl_ && impl_->servers_local(); }

}  // namespace portcullis::net
