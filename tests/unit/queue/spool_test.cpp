#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/ids.hpp"
#include "queue/spool.hpp"

using namespace portcullis;
using namespace portcullis::queue;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/portcullis-spool-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

EnvelopeRecord sample() {
  EnvelopeRecord e;
  e.id = core::new_queue_id();
  e.received = 1700000000;
  e.client_ip = "192.0.2.1";
  e.helo = "client.example";
  e.sender = "alice@example.org";
  e.recipients = {"bob@example.net", "carol@example.net"};
  e.body_8bit = true;
  return e;
}
}  // namespace

TEST(SpoolFormat, EnvelopeRoundTrip) {
  auto e = sample();
  e.sender = "";
  std::string data = format_envelope(e) + "Subject: x\r\n\r\nbody\r\n";
  std::size_t off = 0;
  auto back = parse_envelope(data, off);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, e.id);
  EXPECT_EQ(back->sender, "");
  EXPECT_EQ(back->recipients, e.recipients);
  EXPECT_TRUE(back->body_8bit);
  EXPECT_EQ(data.substr(off), "Subject: x\r\n\r\nbody\r\n");
}

TEST(SpoolFormat, RejectsLineBreaksInValues) {
  auto e = sample();
  e.helo = "evil\nrcpt: victim@example.com";
  EXPECT_THROW(format_envelope(e), SpoolError);
}

TEST(SpoolFormat, RejectsTruncatedOrForeign) {
  std::size_t off = 0;
  auto full = format_envelope(sample());
  EXPECT_FALSE(parse_envelope(full.substr(0, full.size() - 1), off));
  EXPECT_FALSE(parse_envelope("garbage", off));
  EXPECT_FALSE(parse_envelope("", off));
}

TEST(SpoolFormat, StateRoundTrip) {
  DeliveryState st;
  st.attempts = 3;
  st.next_attempt = 1700001000;
  st.rcpts["bob@example.net"] = {RcptStatus::delivered, "250 2.0.0 Ok"};
  st.rcpts["carol@example.net"] = {RcptStatus::failed, "550 5.1.1 <carol@example.net>: no such user"};
  auto back = parse_state(format_state(st));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->attempts, 3u);
  EXPECT_EQ(back->next_attempt, 1700001000);
  EXPECT_EQ(back->rcpts["carol@example.net"].status, RcptStatus::failed);
  EXPECT_EQ(back->rcpts["carol@example.net"].reply, "550 5.1.1 <carol@example.net>: no such user");
}

TEST(Spool, CommitMakesMessageVisibleAndLoadable) {
  TempDir t;
  Spool s(t.path);
  auto e = sample();
  auto w = s.create(e, "Received: test\r\n");
  w->append("Subject: hi\r\n\r\n");
  w->append("hello\r\n");
  EXPECT_TRUE(fs::exists(s.tmp_path(e.id)));
  EXPECT_TRUE(s.list().empty());
  w->commit();
  EXPECT_FALSE(fs::exists(s.tmp_path(e.id)));
  ASSERT_EQ(s.list(), std::vector<std::string>{e.id});
  auto l = s.load(e.id);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->message, "Received: test\r\nSubject: hi\r\n\r\nhello\r\n");
  EXPECT_EQ(l->envelope.recipients, e.recipients);
  EXPECT_EQ(l->state.attempts, 0u);
  EXPECT_EQ(w->size(), l->message.size());
}

TEST(Spool, AbandonedWriterLeavesNothing) {
  TempDir t;
  Spool s(t.path);
  auto e = sample();
  {
    auto w = s.create(e);
    w->append("x\r\n");
  }
  EXPECT_FALSE(fs::exists(s.tmp_path(e.id)));
  EXPECT_TRUE(s.list().empty());
}

TEST(Spool, RecoverRemovesPartialFilesKeepsCommitted) {
  TempDir t;
  std::string committed;
  {
    Spool s(t.path);
    committed = s.inject(sample(), "Subject: a\r\n\r\nb\r\n");
    // A crash mid-receive leaves the writer's file in tmp/ (no destructor runs).
    std::ofstream(t.path / "tmp" / core::new_queue_id()) << "PORTCULLIS-QUEUE 1\nid: half-written";
  }
  Spool s2(t.path);
  auto ids = s2.recover();
  EXPECT_EQ(ids, std::vector<std::string>{committed});
  EXPECT_TRUE(fs::is_empty(t.path / "tmp"));
}

TEST(Spool, StateSaveLoadAndRemove) {
  TempDir t;
  Spool s(t.path);
  auto id = s.inject(sample(), "x\r\n");
  DeliveryState st;
  st.attempts = 1;
  st.rcpts["bob@example.net"] = {RcptStatus::delivered, "250 ok"};
  s.save_state(id, st);
  auto back = s.load_state(id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->attempts, 1u);
  EXPECT_TRUE(s.remove(id));
  EXPECT_FALSE(s.load(id));
  EXPECT_FALSE(s.load_state(id));
  EXPECT_FALSE(s.remove(id));
  EXPECT_FALSE(s.remove("../escape"));
}

TEST(Spool, OrphanStateRemovedAtRecovery) {
  TempDir t;
  Spool s(t.path);
  auto id = s.inject(sample(), "x\r\n");
  s.save_state(id, DeliveryState{});
  fs::remove(s.queue_path(id));
  s.recover();
  EXPECT_FALSE(fs::exists(t.path / "queue" / (id + ".state")));
}

TEST(Spool, ConcurrentCommitsShareDirectorySyncs) {
  TempDir t;
  Spool s(t.path);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 25; ++j) s.inject(sample(), "Subject: load\r\n\r\nx\r\n");
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(s.list().size(), 200u);
}
