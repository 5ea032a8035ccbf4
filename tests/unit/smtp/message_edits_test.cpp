// What the rules decided at the end of DATA, turned into the spool's amendment.
#include <gtest/gtest.h>

#include "smtp/message_edits.hpp"

namespace portcullis::smtp {
namespace {

using Op = hooks::HeaderEdit::Op;

TEST(MessageEdits, HeaderEditsInOrder) {
  const std::string msg = "Subject: old\r\nX-A: 1\r\nx-a: 2\r\nTo: t@example.org\r\n\r\nbody\r\n";
  const auto headers = mail::parse_headers(msg);
  queue::Amendment a;
  header_amendment({{Op::add, "X-B", "added then removed"},
                    {Op::remove, "X-A", ""},
                    {Op::remove, "x-b", ""},
                    {Op::remove, "Subject", ""},
                    {Op::add, "Subject", "[TAG] old"},
                    {Op::add, "X-C", "kept"}},
                   headers, a);
  EXPECT_EQ(a.insert_headers, "Subject: [TAG] old\r\nX-C: kept\r\n");
  ASSERT_EQ(a.drop.size(), 3u);
  std::string kept;
  std::size_t pos = 0;
  for (const auto& [off, len] : a.drop) {
    kept += msg.substr(pos, off - pos);
    pos = off + len;
  }
  kept += msg.substr(pos);
  EXPECT_EQ(kept, "To: t@example.org\r\n\r\nbody\r\n");
}

TEST(MessageEdits, Recipients) {
  hooks::Outcome o;
  EXPECT_EQ(edited_recipients({"a@x.example", "b@x.example"}, o),
            (std::vector<std::string>{"a@x.example", "b@x.example"}));
  o.add_recipients = {"c@x.example", "a@x.example"};
  EXPECT_EQ(edited_recipients({"a@x.example"}, o), (std::vector<std::string>{"a@x.example", "c@x.example"}));
  o.set_recipients = std::vector<std::string>{"admin@x.example"};
  o.add_recipients = {"archive@x.example"};
  EXPECT_EQ(edited_recipients({"a@x.example"}, o),
            (std::vector<std::string>{"admin@x.example", "archive@x.example"}));
}

}  // namespace
}  // namespace portcullis::smtp
