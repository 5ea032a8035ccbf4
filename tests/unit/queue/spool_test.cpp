#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/ids.hpp"
#include "queue/spool.hpp"
#include "temp_dir.hpp"

using namespace portcullis;
using namespace portcullis::queue;
namespace fs = std::filesystem;

namespace {

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
  EXPECT_EQ(s2.remove_partial(), 1u);
  auto ids = s2.recover();
  EXPECT_EQ(ids, std::vector<std::string>{committed});
  EXPECT_TRUE(fs::is_empty(t.path / "tmp"));
}

TEST(Spool, RecoveryLeavesAMessageBeingReceivedAlone) {
  // The queue manager recovers while the sessions already receive: their files stay.
  TempDir t;
  Spool s(t.path);
  auto w = s.create(sample(), "Received: x\r\n");
  w->append("Subject: a\r\n\r\nb\r\n");
  EXPECT_TRUE(s.recover().empty());
  ASSERT_TRUE(fs::exists(s.tmp_path(w->id())));
  w->commit();
  EXPECT_EQ(s.recover(), std::vector<std::string>{w->id()});
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

TEST(SpoolFormat, RouteAndQuarantineRoundTrip) {
  auto e = sample();
  e.route = "[192.0.2.50]:2525";
  e.quarantine = "held by rule";
  std::size_t off = 0;
  auto back = parse_envelope(format_envelope(e), off);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->route, "[192.0.2.50]:2525");
  EXPECT_EQ(back->quarantine, "held by rule");
  EXPECT_EQ(format_envelope(sample()).find("route"), std::string::npos);  // absent when unset
}

TEST(SpoolFormat, SignFlagRoundTripsAndIsAbsentWhenUnset) {
  auto e = sample();
  e.sign = true;
  std::size_t off = 0;
  const std::string text = format_envelope(e);
  EXPECT_NE(text.find("\nsign: 1\n"), std::string::npos);
  auto back = parse_envelope(text, off);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->sign);
  // Unset: no line at all, so a spool written now is read by an older daemon unchanged.
  EXPECT_EQ(format_envelope(sample()).find("sign"), std::string::npos);
  back = parse_envelope(format_envelope(sample()), off);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->sign);
}

// Rules change a message at the end of DATA: new envelope, inserted and dropped headers.
void amend_and_check(std::size_t body_size) {
  TempDir t;
  Spool s(t.path);
  auto e = sample();
  auto w = s.create(e, "Received: by us\r\n");
  const std::string head = "Subject: hi\r\nX-Drop: 1\r\nTo: b@example.net\r\nX-Drop: 2\r\n\r\n";
  std::string body;
  while (body.size() < body_size) body += "line " + std::to_string(body.size()) + "\r\n";
  w->append(head);
  for (std::size_t off = 0; off < body.size(); off += 10000) w->append(std::string_view(body).substr(off, 10000));
  // The hooks read the received data (not our prefix).
  EXPECT_EQ(w->read(0, 11), "Subject: hi");
  EXPECT_EQ(w->read(head.size(), 7), body.substr(0, 7));
  EXPECT_EQ(w->read(head.size() + body.size() - 5, 100), body.substr(body.size() - 5));
  EXPECT_EQ(w->read(head.size() + body.size(), 10), "");

  Amendment a;
  EnvelopeRecord changed = e;
  changed.recipients = {"admin@example.org"};
  changed.route = "relay.example:2525";
  a.envelope = changed;
  a.insert_headers = "X-Added: yes\r\n";
  a.drop = {{13, 11}, {43, 11}};  // both X-Drop fields
  ASSERT_EQ(head.substr(13, 11), "X-Drop: 1\r\n");
  ASSERT_EQ(head.substr(43, 11), "X-Drop: 2\r\n");
  w->commit(a);
  EXPECT_FALSE(fs::exists(s.tmp_path(e.id)));
  EXPECT_FALSE(fs::exists(t.path / "tmp" / (e.id + ".amend")));
  auto l = s.load(e.id);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->envelope.recipients, std::vector<std::string>{"admin@example.org"});
  EXPECT_EQ(l->envelope.route, "relay.example:2525");
  EXPECT_EQ(l->message, "Received: by us\r\nX-Added: yes\r\nSubject: hi\r\nTo: b@example.net\r\n\r\n" + body);
}

TEST(Spool, AmendedCommitInMemory) { amend_and_check(1000); }
TEST(Spool, AmendedCommitOfAMessageAlreadyOnDisk) { amend_and_check(900 * 1024); }

TEST(Spool, EmptyAmendmentIsAPlainCommit) {
  TempDir t;
  Spool s(t.path);
  auto e = sample();
  auto w = s.create(e, "");
  w->append("Subject: x\r\n\r\nbody\r\n");
  w->commit(Amendment{});
  EXPECT_EQ(s.load(e.id)->message, "Subject: x\r\n\r\nbody\r\n");
}
