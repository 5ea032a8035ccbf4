// RFC 8463 Appendix A: the signed example verifies (ed25519-sha256 and rsa-sha256), both its
// signatures are reproduced octet for octet (Ed25519 and RSASSA-PKCS1-v1_5 are deterministic),
// and signing the unsigned example with the same keys and tags gives signatures that verify.
#include <gtest/gtest.h>

#include "checks/dkim/sign.hpp"
#include "helpers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;
using namespace dkim_test;

constexpr std::time_t kNow = 1600000000;  // after both t= of the example

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

portcullis::net::StaticDns example_dns() {
  portcullis::net::StaticDns dns;
  dns.add_txt("brisbane._domainkey.football.example.com", trimmed(read_file(conformance("dkim/rfc8463-ed25519-brisbane.txt"))));
  dns.add_txt("test._domainkey.football.example.com", trimmed(read_file(conformance("dkim/rfc8463-rsa-test.txt"))));
  return dns;
}

dk::Pkey example_ed25519_key() {
  const auto seed = dk::base64_decode(read_file(conformance("dkim/rfc8463-ed25519.privkey.b64")));
  return ed25519_from_seed(seed.value());
}

std::string pem_of(EVP_PKEY* key) { return dk::private_key_pem(key); }

TEST(DkimRfc8463, SignedExampleVerifies) {
  auto dns = example_dns();
  const std::string message = crlf(read_file(conformance("dkim/rfc8463-example.signed.msg")));
  const auto results = verify(message, dns, kNow);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].result, dk::Result::pass) << describe(results[0]);
  EXPECT_EQ(results[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(results[0].selector, "brisbane");
  EXPECT_EQ(results[0].key_bits, 256);
  EXPECT_EQ(results[0].b_prefix, "9/dsDChY");
  EXPECT_EQ(results[1].result, dk::Result::pass) << describe(results[1]);
  EXPECT_EQ(results[1].algorithm, "rsa-sha256");
  EXPECT_EQ(results[1].key_bits, 1024);
  for (const auto& r : results) {
    EXPECT_TRUE(r.trusted);
    EXPECT_EQ(r.domain, "football.example.com");
    EXPECT_EQ(r.identity, "@football.example.com");
    EXPECT_FALSE(r.body_length_limited);
    EXPECT_EQ(r.problem, "");
  }
  // Each key record looked up once.
  EXPECT_EQ(dns.queries(), (std::vector<std::string>{"TXT brisbane._domainkey.football.example.com",
                                                     "TXT test._domainkey.football.example.com"}));
}

TEST(DkimRfc8463, TamperedExampleFails) {
  auto dns = example_dns();
  const std::string message = crlf(read_file(conformance("dkim/rfc8463-example.signed.msg")));
  std::string body = message;
  body.replace(body.find("We lost the game"), 16, "We won the game!");
  for (const auto& r : verify(body, dns, kNow)) {
    EXPECT_EQ(r.result, dk::Result::fail);
    EXPECT_EQ(r.problem, "body hash mismatch");
  }
  std::string header = message;
  header.replace(header.find("Is dinner ready?"), 16, "Is lunch ready?!");
  for (const auto& r : verify(header, dns, kNow)) {
    EXPECT_EQ(r.result, dk::Result::fail);
    EXPECT_EQ(r.problem, "signature did not verify");
  }
}

// Canonicalisation and signing reproduce the published b= values exactly.
TEST(DkimRfc8463, SignaturesReproducedExactly) {
  const std::string message = crlf(read_file(conformance("dkim/rfc8463-example.signed.msg")));
  const auto section = portcullis::mail::parse_headers(message);
  auto rsa_pem = read_file(conformance("dkim/rfc8463-rsa-test.private.pem"));
  std::string error;
  auto rsa = dk::load_private_key(rsa_pem, error);
  ASSERT_TRUE(rsa) << error;
  auto ed = example_ed25519_key();
  for (std::size_t index : {0u, 1u}) {
    const auto& field = section.fields[index];
    const auto parsed = dk::parse_signature(field.raw_value);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    const auto& sig = parsed.sig;
    std::string data;
    for (const auto i : dk::select_headers(section, sig.headers, index))
      dk::canon_header(sig.header_canon, dk::field_text(message, section.fields[i]), data);
    dk::canon_header(sig.header_canon,
                     dk::field_without_value_range(dk::field_text(message, field), sig.b_value_begin, sig.b_value_end),
                     data);
    EVP_PKEY* key = index == 0 ? ed.get() : rsa.get();
    const std::string b = dk::sign_data(key, sig.algorithm, data, error);
    EXPECT_EQ(dk::base64_encode(b), sig.b_text) << "signature " << index;
  }
}

TEST(DkimRfc8463, SigningTheUnsignedExample) {
  const std::string unsigned_msg = crlf(read_file(conformance("dkim/rfc8463-example.unsigned.msg")));
  auto ed = example_ed25519_key();
  const auto ed_key = dk::load_signing_key("football.example.com", "brisbane", pem_of(ed.get()));
  const auto rsa_key = dk::load_signing_key("football.example.com", "test",
                                            read_file(conformance("dkim/rfc8463-rsa-test.private.pem")));
  EXPECT_EQ(rsa_key.bits, 1024);  // 1024 is accepted
  // The example's tags: c=simple/simple, i=@football.example.com, its h= list and t= values.
  dk::SignOptions options;
  options.header_canon = options.body_canon = dk::Canon::simple;
  options.headers = {"from", "to", "subject", "date", "message-id"};
  options.oversign = {"from", "subject", "date"};
  options.identity = "@football.example.com";
  dk::Signer ed_signer({&ed_key}, options);
  ed_signer.feed(unsigned_msg);
  const std::string ed_field = ed_signer.finish(1518460054);
  dk::Signer rsa_signer({&rsa_key}, options);
  for (const char ch : unsigned_msg) rsa_signer.feed(std::string_view(&ch, 1));
  const std::string rsa_field = rsa_signer.finish(1527915362);
  ASSERT_FALSE(ed_field.empty()) << ed_signer.error();
  ASSERT_FALSE(rsa_field.empty()) << rsa_signer.error();
  for (const std::string* field : {&ed_field, &rsa_field}) {
    const auto parsed = dk::parse_signature(field->substr(field->find(':') + 1));
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ(dk::base64_encode(parsed.sig.body_hash), "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
    EXPECT_EQ(parsed.sig.headers,
              (std::vector<std::string>{"from", "to", "subject", "date", "message-id", "from", "subject", "date"}));
    EXPECT_EQ(parsed.sig.identity, "@football.example.com");
    EXPECT_EQ(parsed.sig.domain, "football.example.com");
    EXPECT_EQ(parsed.sig.header_canon, dk::Canon::simple);
    EXPECT_EQ(parsed.sig.body_canon, dk::Canon::simple);
    const bool is_ed = field == &ed_field;
    EXPECT_EQ(parsed.sig.algorithm, is_ed ? dk::Algorithm::ed25519_sha256 : dk::Algorithm::rsa_sha256);
    EXPECT_EQ(parsed.sig.selector, is_ed ? "brisbane" : "test");
    EXPECT_EQ(parsed.sig.timestamp, is_ed ? 1518460054 : 1527915362);
  }
  auto dns = example_dns();
  const auto results = verify(ed_field + rsa_field + unsigned_msg, dns, kNow);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.result, dk::Result::pass) << describe(r);
}

}  // namespace
