// What a TLSA answer demands of a host (queue/dane.hpp) and which records are usable in SMTP
// (tls/dane.hpp, RFC 7672 3.1).
#include <gtest/gtest.h>

#include "queue/dane.hpp"

namespace {

using namespace portcullis;
using State = tls::DaneHost::State;

net::TlsaResult answer(net::DnsStatus status, bool ad, std::vector<net::TlsaRecord> records = {}) {
  return net::TlsaResult{status, std::move(records), ad};
}

const std::vector<unsigned char> sha256_sized(32, 0xAB);

TEST(DaneHost, ValidatedUsableRecordsAuthenticate) {
  auto d = queue::dane_host(answer(net::DnsStatus::ok, true,
                                   {{3, 1, 1, sha256_sized}, {0, 0, 1, sha256_sized}, {2, 0, 0, {0x30}}}),
                            "_25._tcp.mx.test");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state, State::authenticate);
  ASSERT_EQ(d->records.size(), 2u) << "the PKIX-TA record is dropped";
  EXPECT_EQ(d->records[0].usage, 3);
  EXPECT_EQ(d->records[1].usage, 2);
}

TEST(DaneHost, OnlyUnusableRecordsStillMeanTls) {
  auto d = queue::dane_host(answer(net::DnsStatus::ok, true, {{1, 1, 1, sha256_sized}, {3, 1, 1, {0x01}}}), "n");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state, State::encrypt);
  EXPECT_TRUE(d->records.empty());
}

TEST(DaneHost, UnsignedAnswersAndDenialsAreNoDane) {
  EXPECT_FALSE(queue::dane_host(answer(net::DnsStatus::ok, false, {{3, 1, 1, sha256_sized}}), "n"));
  EXPECT_FALSE(queue::dane_host(answer(net::DnsStatus::nxdomain, true), "n"));
  EXPECT_FALSE(queue::dane_host(answer(net::DnsStatus::nodata, true), "n"));
  EXPECT_FALSE(queue::dane_host(answer(net::DnsStatus::perm_failure, false), "n"));
}

TEST(DaneHost, AFailedLookupMakesTheHostUnusable) {
  auto d = queue::dane_host(answer(net::DnsStatus::temp_failure, false), "_25._tcp.mx.test");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state, State::unusable);
  EXPECT_EQ(d->why, "TLSA lookup of _25._tcp.mx.test failed");
}

TEST(DaneUsable, UsagesSelectorsAndDigestLengths) {
  EXPECT_TRUE(tls::dane_usable({3, 1, 1, sha256_sized}));
  EXPECT_TRUE(tls::dane_usable({2, 0, 2, std::vector<unsigned char>(64, 1)}));
  EXPECT_TRUE(tls::dane_usable({3, 0, 0, {0x30, 0x82}}));
  EXPECT_FALSE(tls::dane_usable({0, 1, 1, sha256_sized}));  // PKIX-TA
  EXPECT_FALSE(tls::dane_usable({1, 1, 1, sha256_sized}));  // PKIX-EE
  EXPECT_FALSE(tls::dane_usable({4, 1, 1, sha256_sized}));
  EXPECT_FALSE(tls::dane_usable({3, 2, 1, sha256_sized}));
  EXPECT_FALSE(tls::dane_usable({3, 1, 3, sha256_sized}));
  EXPECT_FALSE(tls::dane_usable({3, 1, 1, std::vector<unsigned char>(31, 1)}));
  EXPECT_FALSE(tls::dane_usable({3, 1, 2, sha256_sized}));
  EXPECT_FALSE(tls::dane_usable({3, 0, 0, {}}));
  EXPECT_EQ(tls::describe({3, 1, 1, sha256_sized}), "3 1 1 abababababababab…");
  EXPECT_EQ(tls::describe({2, 0, 0, {0x30}}), "2 0 0 30");
}

}  // namespace
