// The spool's replacements, copies (one per group of recipients) and quarantine area.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/ids.hpp"
#include "queue/spool.hpp"
#include "temp_dir.hpp"

using namespace portcullis;
using namespace portcullis::queue;
namespace fs = std::filesystem;

namespace {

EnvelopeRecord envelope(std::vector<std::string> rcpts) {
  EnvelopeRecord e;
  e.id = core::new_queue_id();
  e.received = 1700000000;
  e.client_ip = "192.0.2.1";
  e.helo = "client.example";
  e.sender = "alice@example.org";
  e.recipients = std::move(rcpts);
  return e;
}

std::string big_body(std::size_t size) {
  std::string body;
  while (body.size() < size) body += "line " + std::to_string(body.size()) + "\r\n";
  return body;
}

// A subject tag (insertion), a dropped field, a replaced range and an insertion at the end,
// the same in memory and once the data is on disk.
void replace_and_check(std::size_t body_size) {
  TempDir t;
  Spool s(t.path);
  const auto e = envelope({"bob@example.net"});
  auto w = s.create(e, "Received: by us\r\n");
  const std::string head = "Subject: hi\r\nX-Drop: 1\r\n\r\n";
  const std::string body = big_body(body_size);
  w->append(head);
  for (std::size_t off = 0; off < body.size(); off += 7000) w->append(std::string_view(body).substr(off, 7000));
  Amendment a;
  a.insert_headers = "X-Spam-Score: 1.00\r\n";
  a.drop = {{13, 11}};
  a.replace = {Replacement{8, 0, " [SPAM]"}, Replacement{head.size() + 5, 3, "FIVE"},
               Replacement{head.size() + body.size(), 0, "-- end\r\n"}};
  w->commit(a);
  const auto l = s.load(e.id);
  ASSERT_TRUE(l);
  std::string want_body = body;
  want_body.replace(5, 3, "FIVE");
  EXPECT_EQ(l->message, "Received: by us\r\nX-Spam-Score: 1.00\r\nSubject: [SPAM] hi\r\n\r\n" + want_body + "-- end\r\n");
}

}  // namespace

TEST(SpoolEdits, ReplacementsInMemory) { replace_and_check(500); }
TEST(SpoolEdits, ReplacementsOnDisk) { replace_and_check(700 * 1024); }

TEST(SpoolCopies, EachGroupGetsItsOwnMessage) {
  for (const std::size_t size : {std::size_t{300}, std::size_t{600 * 1024}}) {
    TempDir t;
    Spool s(t.path);
    const auto e = envelope({"a@strict.example", "b@lax.example"});
    auto w = s.create(e, "Received: by us\r\n");
    const std::string head = "Subject: offer\r\n\r\n";
    const std::string body = big_body(size);
    w->append(head);
    w->append(body);
    Amendment strict;
    strict.envelope = e;
    strict.envelope->id = core::new_queue_id();
    strict.envelope->recipients = {"a@strict.example"};
    strict.envelope->quarantine = "spam score 7.00";
    strict.insert_headers = "X-Spam-Status: Yes\r\n";
    w->commit_copy(strict);
    Amendment lax;
    lax.envelope = e;
    lax.envelope->recipients = {"b@lax.example"};
    lax.insert_headers = "X-Spam-Status: No\r\n";
    w->commit(lax);
    // The lax copy is in the queue; the strict one is held in the quarantine area.
    EXPECT_EQ(s.list(), std::vector<std::string>{e.id});
    EXPECT_EQ(s.list_quarantine(), std::vector<std::string>{strict.envelope->id});
    const auto queued = s.load(e.id);
    ASSERT_TRUE(queued);
    EXPECT_EQ(queued->envelope.recipients, std::vector<std::string>{"b@lax.example"});
    EXPECT_EQ(queued->message, "Received: by us\r\nX-Spam-Status: No\r\n" + head + body);
    EXPECT_FALSE(s.load(strict.envelope->id));  // not in the queue
    const auto held = s.load_quarantined(strict.envelope->id);
    ASSERT_TRUE(held);
    EXPECT_EQ(held->envelope.quarantine, "spam score 7.00");
    EXPECT_EQ(held->message, "Received: by us\r\nX-Spam-Status: Yes\r\n" + head + body);
    EXPECT_TRUE(fs::is_empty(t.path / "tmp"));
  }
}

TEST(SpoolCopies, ACopyNeedsAnIdOfItsOwn) {
  TempDir t;
  Spool s(t.path);
  const auto e = envelope({"a@example.net"});
  auto w = s.create(e, "");
  w->append("Subject: x\r\n\r\nbody\r\n");
  EXPECT_THROW(w->commit_copy(Amendment{}), SpoolError);
  Amendment same;
  same.envelope = e;
  EXPECT_THROW(w->commit_copy(same), SpoolError);
  w->commit();
  Amendment late;
  late.envelope = envelope({"b@example.net"});
  EXPECT_THROW(w->commit_copy(late), SpoolError);  // after commit: the data is gone from tmp/
}

TEST(SpoolQuarantine, HeldReleasedAndRemoved) {
  TempDir t;
  Spool s(t.path);
  auto e = envelope({"a@example.net"});
  e.quarantine = "virus Eicar-Test-Signature";
  auto w = s.create(e, "");
  w->append("Subject: x\r\n\r\nbody\r\n");
  w->commit();
  EXPECT_TRUE(s.list().empty());
  ASSERT_EQ(s.list_quarantine(), std::vector<std::string>{e.id});
  EXPECT_FALSE(s.release("not-an-id"));
  EXPECT_TRUE(s.release(e.id));
  EXPECT_TRUE(s.list_quarantine().empty());
  const auto l = s.load(e.id);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->envelope.quarantine, "");  // released: delivered like any other message
  EXPECT_EQ(l->message, "Subject: x\r\n\r\nbody\r\n");
  EXPECT_FALSE(s.release(e.id));  // not held any more

  auto e2 = envelope({"b@example.net"});
  e2.quarantine = "spam score 12.00";
  auto w2 = s.create(e2, "");
  w2->append("Subject: y\r\n\r\nbody\r\n");
  w2->commit();
  EXPECT_TRUE(s.remove_quarantined(e2.id));
  EXPECT_FALSE(s.remove_quarantined(e2.id));
  EXPECT_FALSE(s.load_quarantined(e2.id));
  EXPECT_TRUE(fs::is_empty(t.path / "quarantine"));
}
