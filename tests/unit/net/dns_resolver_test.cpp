// net::Resolver against tests/tools/dns_server.py on a loopback port (one server per test).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/dns.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace portcullis::net;
using Clock = std::chrono::steady_clock;

// The long TXT record: ~2 KiB, more than one UDP answer holds (so c-ares retries over TCP).
std::string long_text() {
  std::string s;
  for (int i = 0; s.size() < 2000; ++i) s += std::to_string(i) + ",";
  return s;
}

std::string zone_json() {
  return R"({
  "ad": true,
  "_25._tcp.mx-a.example.test": [{"type": "TLSA", "usage": 3, "selector": 1, "mtype": 1,
                                  "value": "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"},
                                 {"type": "TLSA", "usage": 2, "selector": 0, "mtype": 0, "value": "30820101"}],
  "_25._tcp.unsigned.example.test": [{"type": "INSECURE"},
                                     {"type": "TLSA", "usage": 3, "selector": 1, "mtype": 1, "value": "00"}],
  "unsigned.example.test": [{"type": "INSECURE"}, {"type": "A", "value": "127.0.0.12"}],
  "example.test": [{"type": "MX", "pref": 20, "value": "mx-c.example.test."},
                   {"type": "MX", "pref": 10, "value": "mx-a.example.test."},
                   {"type": "MX", "pref": 10, "value": "mx-b.example.test."},
                   {"type": "MX", "pref": 30, "value": "mx-d.example.test."},
                   {"type": "TXT", "value": "v=spf1 -all"}],
  "mx-a.example.test": [{"type": "A", "value": "127.0.0.10"}, {"type": "AAAA", "value": "::1"},
                        {"type": "A", "value": "127.0.0.11"}, {"type": "AAAA", "value": "2001:db8::10"}],
  "v6only.example.test": [{"type": "AAAA", "value": "2001:db8::12"}],
  "ttl.example.test": [{"type": "A", "value": "127.0.0.20", "ttl": 60}, {"type": "A", "value": "127.0.0.21", "ttl": 45},
                       {"type": "AAAA", "value": "2001:db8::20", "ttl": 7200}],
  "nullmx.test": [{"type": "MX", "pref": 0, "value": "."}],
  "alias1.example.test": [{"type": "CNAME", "value": "alias2.example.test."}],
  "alias2.example.test": [{"type": "CNAME", "value": "mx-a.example.test."}],
  "dangling.example.test": [{"type": "CNAME", "value": "missing.example.test."}],
  "long.example.test": [{"type": "TXT", "value": ["part one, ", "part two, ", "part three"]},
                        {"type": "TXT", "value": ")" + long_text() + R"("}],
  "10.0.0.127.in-addr.arpa": [{"type": "PTR", "value": "mx-a.example.test."},
                              {"type": "PTR", "value": "other.example.test."}],
  ")" + reverse_name(asio::ip::make_address("2001:db8::10")) + R"(": [{"type": "PTR", "value": "v6.example.test."}],
  "timeout.example.test": [{"type": "TIMEOUT"}],
  "servfail.example.test": [{"type": "SERVFAIL"}],
  "refused.example.test": [{"type": "REFUSED"}]
})";
}

// tests/tools/dns_server.py as a child process, killed with the object (or with the test).
class DnsServerProcess {
 public:
  DnsServerProcess() {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/portcullis-dns-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
  }
  ~DnsServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  DnsServerProcess(const DnsServerProcess&) = delete;
  DnsServerProcess& operator=(const DnsServerProcess&) = delete;

  // Replaces the zone atomically; the server notices on its next query.
  void write_zone(const std::string& json) {
    const auto tmp = dir_ / "zone.json.tmp";
    std::ofstream(tmp) << json;
    std::filesystem::rename(tmp, dir_ / "zone.json");
  }

  // Starts the server and waits (bounded) for its port; returns an error message or "".
  std::string start() {
    const std::string script = std::string(PORTCULLIS_SOURCE_DIR) + "/tests/tools/dns_server.py";
    std::vector<std::string> args = {"/usr/bin/python3", script, "--port", "0", "--zone", (dir_ / "zone.json").string(),
                                     "--port-file", (dir_ / "port").string()};
    if (std::getenv("PORTCULLIS_DNS_VERBOSE")) args.push_back("-v");  // log every query to stderr
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // 10 s at most
      std::ifstream in(dir_ / "port");
      if (in >> port_ && port_ > 0) return "";
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "dns_server.py exited early";
      }
      std::this_thread::sleep_for(50ms);
    }
    return "dns_server.py did not write its port";
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<DnsServerProcess>();
    server_->write_zone(zone_json());
    const std::string error = server_->start();
    ASSERT_EQ(error, "");
  }
  void TearDown() override { server_.reset(); }

  ResolverOptions options(std::chrono::milliseconds timeout = 1000ms, int tries = 2) const {
    return ResolverOptions{{server_->address()}, timeout, tries};
  }

  // Runs the loop until `done()` or the limit; returns whether done() became true.
  bool run_until(const std::function<bool()>& done, Clock::duration limit = 10s) {
    const auto until = Clock::now() + limit;
    while (!done() && Clock::now() < until) {
      io_.restart();
      io_.run_one_for(20ms);
    }
    return done();
  }

  template <class T>
  T await(asio::awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(io_, std::move(op), [&out](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      out = std::move(value);
    });
    EXPECT_TRUE(run_until([&] { return out.has_value(); }));
    return out.value_or(T{});
  }

  asio::io_context io_;
  std::unique_ptr<DnsServerProcess> server_;
};

std::vector<std::string> hosts(const MxResult& r) {
  std::vector<std::string> out;
  for (const auto& mx : r.records) out.push_back(mx.host);
  return out;
}

TEST_F(ResolverTest, MxSortedByPreferenceTiesShuffled) {
  Resolver resolver(io_.get_executor(), options());
  std::set<std::string> first_seen;
  for (int i = 0; i < 24; ++i) {
    MxResult r = await(resolver.mx("example.test"));
    ASSERT_EQ(r.status, DnsStatus::ok);
    EXPECT_FALSE(r.null_mx);
    ASSERT_EQ(r.records.size(), 4u);
    EXPECT_EQ(r.records[0].preference, 10);
    EXPECT_EQ(r.records[1].preference, 10);
    EXPECT_EQ(r.records[2].host, "mx-c.example.test");
    EXPECT_EQ(r.records[3].host, "mx-d.example.test");
    const auto names = hosts(r);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.begin() + 2),
              (std::set<std::string>{"mx-a.example.test", "mx-b.example.test"}));
    first_seen.insert(r.records[0].host);
  }
  EXPECT_EQ(first_seen.size(), 2u) << "equal preferences should come in random order";
}

TEST_F(ResolverTest, NullMx) {
  Resolver resolver(io_.get_executor(), options());
  MxResult r = await(resolver.mx("nullmx.test"));
  EXPECT_EQ(r.status, DnsStatus::ok);
  EXPECT_TRUE(r.null_mx);
  EXPECT_TRUE(r.records.empty());
}

TEST_F(ResolverTest, NxdomainVersusNodata) {
  Resolver resolver(io_.get_executor(), options());
  EXPECT_EQ(await(resolver.mx("missing.example.test")).status, DnsStatus::nxdomain);
  EXPECT_EQ(await(resolver.mx("mx-a.example.test")).status, DnsStatus::nodata);
  EXPECT_EQ(await(resolver.txt("missing.example.test")).status, DnsStatus::nxdomain);
  EXPECT_EQ(await(resolver.txt("mx-a.example.test")).status, DnsStatus::nodata);
  EXPECT_EQ(await(resolver.addresses("example.test")).status, DnsStatus::nodata);
  EXPECT_EQ(await(resolver.addresses("missing.example.test")).status, DnsStatus::nxdomain);
  EXPECT_EQ(await(resolver.ptr(asio::ip::make_address("192.0.2.99"))).status, DnsStatus::nxdomain);
  // a name that exists only as the parent of other names: NODATA, not NXDOMAIN
  EXPECT_EQ(await(resolver.mx("in-addr.arpa")).status, DnsStatus::nodata);
}

TEST_F(ResolverTest, AddressesIpv4FirstThenIpv6) {
  Resolver resolver(io_.get_executor(), options());
  AddressResult r = await(resolver.addresses("mx-a.example.test"));
  ASSERT_EQ(r.status, DnsStatus::ok);
  std::vector<asio::ip::address> expected{asio::ip::make_address("127.0.0.10"), asio::ip::make_address("127.0.0.11"),
                                          asio::ip::make_address("::1"), asio::ip::make_address("2001:db8::10")};
  EXPECT_EQ(r.addresses, expected);
  AddressResult v6 = await(resolver.addresses("v6only.example.test."));
  ASSERT_EQ(v6.status, DnsStatus::ok);
  EXPECT_EQ(v6.addresses, std::vector<asio::ip::address>{asio::ip::make_address("2001:db8::12")});
}

TEST_F(ResolverTest, OneFamilyLookupsAndTheirTtls) {
  Resolver resolver(io_.get_executor(), options());
  AddressResult v4 = await(resolver.a("ttl.example.test"));
  ASSERT_EQ(v4.status, DnsStatus::ok);
  EXPECT_EQ(v4.addresses, (std::vector<asio::ip::address>{asio::ip::make_address("127.0.0.20"),
                                                           asio::ip::make_address("127.0.0.21")}));
  EXPECT_EQ(v4.ttl, 45u);  // the smallest of the answer's records
  AddressResult v6 = await(resolver.aaaa("ttl.example.test"));
  ASSERT_EQ(v6.status, DnsStatus::ok);
  EXPECT_EQ(v6.addresses, std::vector<asio::ip::address>{asio::ip::make_address("2001:db8::20")});
  EXPECT_EQ(v6.ttl, 7200u);
  EXPECT_EQ(await(resolver.addresses("ttl.example.test")).ttl, 45u);
  EXPECT_EQ(await(resolver.aaaa("mx-a.example.test")).addresses.size(), 2u);
  EXPECT_EQ(await(resolver.a("v6only.example.test")).status, DnsStatus::nodata);
  EXPECT_EQ(await(resolver.aaaa("missing.example.test")).status, DnsStatus::nxdomain);
  EXPECT_EQ(await(resolver.txt("example.test")).ttl, 300u);
}

TEST_F(ResolverTest, CnameChainIsFollowed) {
  Resolver resolver(io_.get_executor(), options());
  AddressResult r = await(resolver.addresses("alias1.example.test"));
  ASSERT_EQ(r.status, DnsStatus::ok);
  EXPECT_EQ(r.addresses.size(), 4u);
  EXPECT_EQ(r.addresses.front(), asio::ip::make_address("127.0.0.10"));
  EXPECT_EQ(await(resolver.mx("alias1.example.test")).status, DnsStatus::nodata);  // chain ends at a host
  EXPECT_EQ(await(resolver.addresses("dangling.example.test")).status, DnsStatus::nxdomain);
}

TEST_F(ResolverTest, TxtRecordsConcatenateTheirStrings) {
  Resolver resolver(io_.get_executor(), options());
  TxtResult r = await(resolver.txt("long.example.test"));
  ASSERT_EQ(r.status, DnsStatus::ok);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0], "part one, part two, part three");
  EXPECT_EQ(r.records[1], long_text());  // 2 KiB in 255-byte strings, fetched over TCP
  TxtResult spf = await(resolver.txt("example.test"));
  EXPECT_EQ(spf.records, std::vector<std::string>{"v=spf1 -all"});
}

TEST_F(ResolverTest, PtrForIpv4AndIpv6) {
  Resolver resolver(io_.get_executor(), options());
  PtrResult v4 = await(resolver.ptr(asio::ip::make_address("127.0.0.10")));
  ASSERT_EQ(v4.status, DnsStatus::ok);
  EXPECT_EQ(v4.names, (std::vector<std::string>{"mx-a.example.test", "other.example.test"}));
  PtrResult mapped = await(resolver.ptr(asio::ip::make_address("::ffff:127.0.0.10")));
  EXPECT_EQ(mapped.names, v4.names);
  PtrResult v6 = await(resolver.ptr(asio::ip::make_address("2001:db8::10")));
  ASSERT_EQ(v6.status, DnsStatus::ok);
  EXPECT_EQ(v6.names, std::vector<std::string>{"v6.example.test"});
}

TEST_F(ResolverTest, TimeoutIsTempFailureWithinBound) {
  Resolver resolver(io_.get_executor(), options(150ms, 2));
  auto t0 = Clock::now();
  EXPECT_EQ(await(resolver.mx("timeout.example.test")).status, DnsStatus::temp_failure);
  auto mx_time = Clock::now() - t0;
  EXPECT_GE(mx_time, 250ms);
  EXPECT_LT(mx_time, 800ms);  // bound: 150 ms x 2 tries
  t0 = Clock::now();
  EXPECT_EQ(await(resolver.addresses("timeout.example.test")).status, DnsStatus::temp_failure);
  EXPECT_LT(Clock::now() - t0, 800ms);
}

TEST_F(ResolverTest, ServfailAndRefusedAreTempFailures) {
  Resolver resolver(io_.get_executor(), options());
  EXPECT_EQ(await(resolver.mx("servfail.example.test")).status, DnsStatus::temp_failure);
  EXPECT_EQ(await(resolver.addresses("servfail.example.test")).status, DnsStatus::temp_failure);
  EXPECT_EQ(await(resolver.txt("refused.example.test")).status, DnsStatus::temp_failure);
}

TEST_F(ResolverTest, NoServerListeningIsTempFailure) {
  asio::ip::udp::socket probe(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = probe.local_endpoint().port();
  probe.close();  // nothing listens there now: ICMP port unreachable
  Resolver resolver(io_.get_executor(), ResolverOptions{{"127.0.0.1:" + std::to_string(port)}, 300ms, 1});
  auto t0 = Clock::now();
  EXPECT_EQ(await(resolver.mx("example.test")).status, DnsStatus::temp_failure);
  EXPECT_LT(Clock::now() - t0, 800ms);
}

TEST_F(ResolverTest, MalformedNamesArePermFailuresWithoutQuery) {
  Resolver resolver(io_.get_executor(), options());
  EXPECT_EQ(await(resolver.mx("")).status, DnsStatus::perm_failure);
  EXPECT_EQ(await(resolver.mx("a..example.test")).status, DnsStatus::perm_failure);
  EXPECT_EQ(await(resolver.addresses("bad host.example")).status, DnsStatus::perm_failure);
  EXPECT_EQ(await(resolver.txt(std::string(64, 'x') + ".example")).status, DnsStatus::perm_failure);
}

TEST_F(ResolverTest, ZoneChangesAreSeenMidTest) {
  Resolver resolver(io_.get_executor(), options());
  ASSERT_EQ(await(resolver.mx("example.test")).records.size(), 4u);
  server_->write_zone(R"({"example.test": [{"type": "MX", "pref": 5, "value": "new.example.test."}]})");
  MxResult r = await(resolver.mx("example.test"));
  ASSERT_EQ(r.status, DnsStatus::ok);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].host, "new.example.test");
  EXPECT_EQ(r.records[0].preference, 5);
}

TEST_F(ResolverTest, ManyConcurrentLookups) {
  Resolver resolver(io_.get_executor(), options(2000ms));
  int done = 0;
  int good = 0;
  constexpr int kEach = 60;
  for (int i = 0; i < kEach; ++i) {
    asio::co_spawn(io_, resolver.addresses("mx-a.example.test"), [&](std::exception_ptr, AddressResult r) {
      ++done;
      good += r.status == DnsStatus::ok && r.addresses.size() == 4;
    });
    asio::co_spawn(io_, resolver.mx("example.test"), [&](std::exception_ptr, MxResult r) {
      ++done;
      good += r.status == DnsStatus::ok && r.records.size() == 4;
    });
    asio::co_spawn(io_, resolver.txt("long.example.test"), [&](std::exception_ptr, TxtResult r) {
      ++done;
      good += r.status == DnsStatus::ok && r.records.size() == 2 && r.records[1] == long_text();
    });
    asio::co_spawn(io_, resolver.mx("missing.example.test"), [&](std::exception_ptr, MxResult r) {
      ++done;
      good += r.status == DnsStatus::nxdomain;
    });
  }
  ASSERT_TRUE(run_until([&] { return done == 4 * kEach; }, 20s));
  EXPECT_EQ(good, 4 * kEach);
}

TEST_F(ResolverTest, DestroyingTheResolverCompletesPendingLookups) {
  auto resolver = std::make_unique<Resolver>(io_.get_executor(), options(5000ms));
  std::vector<DnsStatus> statuses;
  auto record = [&](std::exception_ptr e, auto r) {
    EXPECT_FALSE(e);
    statuses.push_back(r.status);
  };
  for (int i = 0; i < 10; ++i) {
    asio::co_spawn(io_, resolver->mx("timeout.example.test"), record);
    asio::co_spawn(io_, resolver->addresses("timeout.example.test"), record);
  }
  run_until([] { return false; }, 200ms);  // the queries are now in flight
  ASSERT_TRUE(statuses.empty());
  // Not even started yet when the resolver goes away:
  asio::co_spawn(io_, resolver->txt("example.test"), record);
  const auto t0 = Clock::now();
  resolver.reset();
  ASSERT_TRUE(run_until([&] { return statuses.size() == 21; }, 2s));
  EXPECT_LT(Clock::now() - t0, 1s);
  for (DnsStatus s : statuses) EXPECT_EQ(s, DnsStatus::temp_failure);
  run_until([] { return false; }, 100ms);  // leftover socket/timer handlers find nothing to touch
}

TEST_F(ResolverTest, LoopRunsOutOfWorkWhenIdle) {
  Resolver resolver(io_.get_executor(), options());
  asio::co_spawn(io_, resolver.addresses("mx-a.example.test"), asio::detached);
  io_.restart();
  io_.run_for(5s);  // returns early only if no socket wait or timer is left behind
  EXPECT_TRUE(io_.stopped());
}

TEST_F(ResolverTest, OneResolverPerThread) {
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      asio::io_context io;
      Resolver resolver(io.get_executor(), options());
      for (int i = 0; i < 20; ++i) {
        asio::co_spawn(io, resolver.mx("example.test"), [&](std::exception_ptr, MxResult r) {
          good += r.status == DnsStatus::ok && r.records.size() == 4;
        });
      }
      io.run_for(10s);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 80);
}

TEST_F(ResolverTest, MovedResolverKeepsWorking) {
  Resolver first(io_.get_executor(), options());
  Resolver second(std::move(first));
  EXPECT_EQ(await(second.mx("nullmx.test")).status, DnsStatus::ok);
  EXPECT_EQ(await(first.mx("nullmx.test")).status, DnsStatus::temp_failure);  // NOLINT(bugprone-use-after-move)
}

TEST_F(ResolverTest, TlsaRecordsWithTheResolversVerdict) {
  Resolver resolver(io_.get_executor(), options());
  TlsaResult r = await(resolver.tlsa(tlsa_name("mx-a.example.test.", 25)));
  ASSERT_EQ(r.status, DnsStatus::ok);
  EXPECT_TRUE(r.authenticated);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].usage, 3);
  EXPECT_EQ(r.records[0].selector, 1);
  EXPECT_EQ(r.records[0].mtype, 1);
  ASSERT_EQ(r.records[0].data.size(), 32u);
  EXPECT_EQ(r.records[0].data[0], 0x8c);
  EXPECT_EQ(r.records[0].data[31], 0xf1);
  EXPECT_EQ(r.records[1], (TlsaRecord{2, 0, 0, {0x30, 0x82, 0x01, 0x01}}));

  TlsaResult unsigned_tlsa = await(resolver.tlsa("_25._tcp.unsigned.example.test"));
  EXPECT_EQ(unsigned_tlsa.status, DnsStatus::ok);
  EXPECT_FALSE(unsigned_tlsa.authenticated);

  // A validated denial: the name does not exist, and the resolver vouches for it.
  TlsaResult none = await(resolver.tlsa("_25._tcp.mx-b.example.test"));
  EXPECT_EQ(none.status, DnsStatus::nxdomain);
  EXPECT_TRUE(none.authenticated);
  EXPECT_EQ(await(resolver.tlsa("_25._tcp.mx-a.example.test..")).status, DnsStatus::perm_failure);
}

TEST_F(ResolverTest, MxAndAddressesCarryTheAdBit) {
  Resolver resolver(io_.get_executor(), options());
  EXPECT_TRUE(await(resolver.mx("example.test")).authenticated);
  AddressResult signed_host = await(resolver.addresses("mx-a.example.test"));
  EXPECT_EQ(signed_host.status, DnsStatus::ok);
  EXPECT_TRUE(signed_host.authenticated);
  AddressResult unsigned_host = await(resolver.addresses("unsigned.example.test"));
  EXPECT_EQ(unsigned_host.status, DnsStatus::ok);
  EXPECT_FALSE(unsigned_host.authenticated);
  EXPECT_FALSE(await(resolver.addresses("servfail.example.test")).authenticated);
}

// Only a resolver on this host is trusted with the AD bit. (No query is sent here.)
TEST(ResolverServers, LocalOnlyWhenEveryServerIsLoopback) {
  asio::io_context io;
  auto local = [&io](std::vector<std::string> servers) {
    return Resolver(io.get_executor(), ResolverOptions{std::move(servers), 1000ms, 1}).servers_local();
  };
  EXPECT_TRUE(local({"127.0.0.1:5353"}));
  EXPECT_TRUE(local({"127.0.0.53", "[::1]:53"}));
  EXPECT_FALSE(local({"192.0.2.1"}));
  EXPECT_FALSE(local({"127.0.0.1", "2001:db8::53"}));
}

}  // namespace
