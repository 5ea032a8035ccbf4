// Raw DNS messages (net/dns_message.cpp): our query (AD bit, EDNS), the rcode mapping for
// answers to ares_send, and the TLSA reader on hand-built and broken messages.
#include <arpa/nameser.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/dns.hpp"
#include "net/dns_detail.hpp"

namespace {

using namespace portcullis::net;
using detail::DnsReply;
using Bytes = std::vector<unsigned char>;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v & 0xff));
}

void put_name(Bytes& b, const std::string& dotted) {
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    b.push_back(static_cast<unsigned char>(dot - start));
    b.insert(b.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.push_back(0);
}

// An answer to "_25._tcp.mx.test TLSA": header (flags byte 3 given), the question, and
// `answers` records appended by the caller.
Bytes answer_header(unsigned char flags3, unsigned answers) {
  Bytes b{0x12, 0x34, 0x81, flags3};
  put16(b, 1);
  put16(b, answers);
  put16(b, 0);
  put16(b, 0);
  put_name(b, "_25._tcp.mx.test");
  put16(b, 52);
  put16(b, 1);
  return b;
}

// A record owned by a compression pointer to the question name (offset 12).
void put_record(Bytes& b, unsigned type, const Bytes& rdata, unsigned cls = 1, unsigned long ttl = 300) {
  b.push_back(0xC0);
  b.push_back(12);
  put16(b, type);
  put16(b, cls);
  put16(b, static_cast<unsigned>(ttl >> 16));
  put16(b, static_cast<unsigned>(ttl & 0xffff));
  put16(b, static_cast<unsigned>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
}

TEST(DnsQuery, AsksForTheAdBitWithRecursionAndEdns) {
  const Bytes q = detail::make_query("example.test", ns_t_mx, 1232);
  ASSERT_GE(q.size(), 12u + 14u + 11u);
  EXPECT_EQ(q[2] & 0x01, 0x01) << "RD";
  EXPECT_EQ(q[3] & 0x20, 0x20) << "AD";
  EXPECT_EQ((q[4] << 8) | q[5], 1) << "one question";
  EXPECT_EQ((q[10] << 8) | q[11], 1) << "the OPT record";
  const std::size_t opt = q.size() - 11;  // root name, type OPT, class = UDP size
  EXPECT_EQ(q[opt], 0);
  EXPECT_EQ((q[opt + 1] << 8) | q[opt + 2], 41);
  EXPECT_EQ((q[opt + 3] << 8) | q[opt + 4], 1232);
  EXPECT_TRUE(detail::make_query(std::string(300, 'a'), ns_t_a, 0).empty());
}

TEST(DnsAnswer, StatusFromTheRcodeLikeAresQuery) {
  Bytes ok = answer_header(0x00, 1);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, ok.data(), ok.size()), ARES_SUCCESS);
  Bytes empty = answer_header(0x00, 0);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, empty.data(), empty.size()), ARES_ENODATA);
  Bytes nx = answer_header(0x03, 0);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, nx.data(), nx.size()), ARES_ENOTFOUND);
  Bytes servfail = answer_header(0x02, 0);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, servfail.data(), servfail.size()), ARES_ESERVFAIL);
  Bytes refused = answer_header(0x05, 0);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, refused.data(), refused.size()), ARES_EREFUSED);
  Bytes odd = answer_header(0x0B, 0);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, odd.data(), odd.size()), ARES_EBADRESP);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, ok.data(), 5), ARES_EBADRESP);
  EXPECT_EQ(detail::answer_status(ARES_SUCCESS, nullptr, 0), ARES_EBADRESP);
  EXPECT_EQ(detail::answer_status(ARES_ETIMEOUT, nullptr, 0), ARES_ETIMEOUT);
}

TEST(DnsAnswer, TlsaRecordsAndTheAdBit) {
  Bytes m = answer_header(0x20, 3);
  Bytes target;
  put_name(target, "mx2.test");
  put_record(m, ns_t_cname, target);  // stepped over
  put_record(m, 52, {3, 1, 1, 0xAA, 0xBB});
  put_record(m, 52, {2, 0, 0});  // no data: read as such (the usability check is DANE's)
  const TlsaResult r = detail::parse_tlsa(DnsReply{ARES_SUCCESS, m});
  ASSERT_EQ(r.status, DnsStatus::ok);
  EXPECT_TRUE(r.authenticated);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0], (TlsaRecord{3, 1, 1, {0xAA, 0xBB}}));
  EXPECT_EQ(r.records[1], (TlsaRecord{2, 0, 0, {}}));

  Bytes unsigned_answer = answer_header(0x00, 1);
  put_record(unsigned_answer, 52, {3, 1, 1, 0x01});
  EXPECT_FALSE(detail::parse_tlsa(DnsReply{ARES_SUCCESS, unsigned_answer}).authenticated);

  Bytes cname_only = answer_header(0x20, 1);
  put_record(cname_only, ns_t_cname, target);
  EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_SUCCESS, cname_only}).status, DnsStatus::nodata);

  Bytes other_class = answer_header(0x20, 1);
  put_record(other_class, 52, {3, 1, 1, 0x01}, 3);  // CHAOS
  EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_SUCCESS, other_class}).status, DnsStatus::nodata);
}

TEST(DnsAnswer, FailuresAndBrokenTlsaAnswers) {
  const TlsaResult nx = detail::parse_tlsa(DnsReply{ARES_ENOTFOUND, answer_header(0x23, 0)});
  EXPECT_EQ(nx.status, DnsStatus::nxdomain);
  EXPECT_TRUE(nx.authenticated) << "a validated denial";
  EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_ESERVFAIL, {}}).status, DnsStatus::temp_failure);

  Bytes good = answer_header(0x20, 1);
  put_record(good, 52, {3, 1, 1, 0xAA, 0xBB, 0xCC});
  // Every truncation of a good answer is a temporary failure, never a crash or a record.
  for (std::size_t n = 0; n + 1 < good.size(); ++n) {
    const Bytes cut(good.begin(), good.begin() + static_cast<long>(n));
    EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_SUCCESS, cut}).status, DnsStatus::temp_failure) << n;
  }
  Bytes then_garbage = good;  // a good record, then one that claims more than there is
  then_garbage[7] = 2;
  put_record(then_garbage, 52, {3, 1, 1, 0x01});
  then_garbage.resize(then_garbage.size() - 2);
  const TlsaResult partial = detail::parse_tlsa(DnsReply{ARES_SUCCESS, then_garbage});
  EXPECT_EQ(partial.status, DnsStatus::temp_failure);
  EXPECT_TRUE(partial.records.empty()) << "nothing from a message that could not be read whole";
  Bytes short_rdata = answer_header(0x20, 1);
  put_record(short_rdata, 52, {3, 1});
  EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_SUCCESS, short_rdata}).status, DnsStatus::temp_failure);
  Bytes bad_label = answer_header(0x20, 1);
  bad_label.push_back(0x80);  // a label type that does not exist
  bad_label.insert(bad_label.end(), 12, 0);
  EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_SUCCESS, bad_label}).status, DnsStatus::temp_failure);
  Bytes more_claimed = answer_header(0x20, 2);  // says two answers, has one
  put_record(more_claimed, 52, {3, 1, 1, 0x01});
  EXPECT_EQ(detail::parse_tlsa(DnsReply{ARES_SUCCESS, more_claimed}).status, DnsStatus::temp_failure);
}

TEST(DnsNames, TlsaName) {
  EXPECT_EQ(tlsa_name("mx.example.org", 25), "_25._tcp.mx.example.org");
  EXPECT_EQ(tlsa_name("mx.example.org.", 2525), "_2525._tcp.mx.example.org");
}

// answer_ttl: how long the cache (net/dns_cache.hpp) may keep an answer.
TEST(DnsAnswerTtl, TheSmallestTtlOfTheAnswerRecords) {
  Bytes m = answer_header(0, 2);
  put_record(m, 52, {3, 1, 1, 0xAA}, 1, 300);
  put_record(m, 52, {3, 1, 1, 0xBB}, 1, 60);
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_SUCCESS, m}), 60u);
}

// A negative answer: header counts patched for one authority record (an SOA).
Bytes negative_answer(unsigned long soa_ttl, unsigned long minimum) {
  Bytes m = answer_header(0, 0);
  m[9] = 1;  // NSCOUNT
  Bytes soa;
  put_name(soa, "ns.test");
  put_name(soa, "hostmaster.test");
  for (unsigned long v : {2024010101ul, 3600ul, 600ul, 86400ul, minimum}) {
    put16(soa, static_cast<unsigned>(v >> 16));
    put16(soa, static_cast<unsigned>(v & 0xffff));
  }
  put_record(m, ns_t_soa, soa, 1, soa_ttl);
  return m;
}

TEST(DnsAnswerTtl, NegativeAnswersLastTheSoaNegativeTtl) {
  // RFC 2308 5: the smaller of the SOA record's TTL and its MINIMUM field.
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_ENOTFOUND, negative_answer(3600, 120)}), 120u);
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_ENODATA, negative_answer(30, 900)}), 30u);
}

TEST(DnsAnswerTtl, UnknownOrMalformedIsZero) {
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_ENODATA, answer_header(0, 0)}), 0u);  // no SOA
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_ETIMEOUT, {}}), 0u);
  Bytes m = answer_header(0, 1);
  put_record(m, 52, {3, 1, 1, 0xAA}, 1, 300);
  m.resize(m.size() - 2);  // the record's data runs past the end
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_SUCCESS, m}), 0u);
  Bytes huge = answer_header(0, 1);
  put_record(huge, 52, {3, 1, 1, 0xAA}, 1, 0x80000000ul);  // top bit set: zero (RFC 2181 8)
  EXPECT_EQ(detail::answer_ttl(DnsReply{ARES_SUCCESS, huge}), 0u);
}

}  // namespace
