// The Mail::DKIM verifier corpus (conformance/dkim/mail-dkim-corpus/t): its messages, its fake
// DNS (FAKE_DNS.dat) and Mail::DKIM's expected results (expected.txt: pass, fail, invalid).
//
// Every file is accounted for:
//  - RFC 6376 files (v=1 signatures): each must give Mail::DKIM's result (pass -> pass,
//    fail -> fail, invalid -> permerror or temperror);
//  - pre-RFC signatures (v=0.5 from draft-ietf-dkim-base-05, or no v= at all): Mail::DKIM
//    still accepts these drafts, RFC 6376 6.1.1 requires PERMFAIL ("incompatible version";
//    v= is a required tag): each must give permerror. The key records their badkey_* files
//    exercise are checked directly in parse_test.cpp (DkimKeyRecord.MailDkimCorpusRecords),
//    and the no_body_* files' empty-body hash below;
//  - skipped groups, listed with the reason: older drafts (ietf00/ietf01), DomainKeys (dk_),
//    and RFC 4871 g= semantics (removed by RFC 6376).
// The corpus's messiah.edu keys are 512-bit RSA, which RFC 8301 forbids: the RFC 6376 group
// runs with min_rsa_bits = 512, and the same files are checked with the default limits too.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "helpers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;
using namespace dkim_test;

constexpr std::time_t kNow = 1731542400;  // 2024-11-14, when the corpus was extracted

const fs::path kDir = conformance("dkim/mail-dkim-corpus/t");

struct Skip {
  std::string reason;
  bool (*matches)(const std::string&);
};

const std::vector<Skip>& skips() {
  static const std::vector<Skip> list = {
      {"pre-RFC draft ietf00/ietf01 signatures", [](const std::string& f) {
         return f.find("ietf00") != std::string::npos || f.find("ietf01") != std::string::npos;
       }},
      {"DomainKeys (RFC 4870), not DKIM", [](const std::string& f) { return f.find("dk_") != std::string::npos; }},
      {"RFC 4871 g= granularity rules, removed by RFC 6376", [](const std::string& f) {
         return f == "badkey_8.txt" || f == "badkey_9.txt" || f == "badkey_12.txt" || f == "badkey_13.txt";
       }},
  };
  return list;
}

// Signatures with v=0.5 (mine_ietf05_1, no_body_*, badkey_1..7, ignore_2..4) or without v=
// (bad_1, multiple_1).
const std::set<std::string> kPreRfc = {"mine_ietf05_1.txt", "no_body_1.txt", "no_body_2.txt", "no_body_3.txt",
                                       "badkey_1.txt",      "badkey_2.txt",  "badkey_3.txt",  "badkey_4.txt",
                                       "badkey_5.txt",      "badkey_6.txt",  "badkey_7.txt",  "ignore_2.txt",
                                       "ignore_3.txt",      "ignore_4.txt",  "bad_1.txt",     "multiple_1.txt"};

portcullis::net::StaticDns fake_dns() {
  portcullis::net::StaticDns dns;
  std::istringstream in(read_file(kDir / "FAKE_DNS.dat"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find_first_of(" \t");
    if (space == std::string::npos) continue;
    const std::string name = line.substr(0, space);
    std::string value = line.substr(line.find_first_not_of(" \t", space));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.pop_back();
    if (value == "NXDOMAIN") continue;  // not in the zone
    if (value == "~~Query timed out~~" || value == "~~SERVFAIL~~") {
      dns.timeout(name);
      continue;
    }
    if (value == "\"\"") value.clear();
    dns.add_txt(name, value);
  }
  return dns;
}

std::map<std::string, std::string> expected() {
  std::map<std::string, std::string> out;
  std::istringstream in(read_file(kDir / "expected.txt"));
  std::string file, result;
  while (in >> file >> result) out[file] = result;
  return out;
}

// Mail::DKIM's message result: the best of its signatures.
std::string overall(const std::vector<dk::SignatureResult>& results) {
  bool fail = false;
  for (const auto& r : results) {
    if (r.result == dk::Result::pass) return "pass";
    if (r.result == dk::Result::fail) fail = true;
  }
  return fail ? "fail" : results.empty() ? "none" : "invalid";
}

std::string details(const std::vector<dk::SignatureResult>& results) {
  std::string out;
  for (const auto& r : results) out += "[" + describe(r) + "] ";
  return out;
}

TEST(DkimMailDkimCorpus, EveryChosenFileGivesTheExpectedResult) {
  ASSERT_TRUE(fs::is_directory(kDir / "corpus")) << kDir;
  auto dns = fake_dns();
  const auto wanted = expected();
  ASSERT_EQ(wanted.size(), 79u);
  dk::Limits corpus_limits;
  corpus_limits.min_rsa_bits = 512;
  std::size_t chosen = 0, matched = 0, pre_rfc = 0;
  std::map<std::string, std::size_t> skipped;
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(kDir / "corpus")) files.insert(entry.path().filename().string());
  ASSERT_EQ(files.size(), wanted.size());
  for (const auto& file : files) {
    ASSERT_TRUE(wanted.count(file)) << file << " has no expected result";
    const Skip* skip = nullptr;
    for (const auto& s : skips())
      if (s.matches(file)) skip = &s;
    if (skip) {
      ++skipped[skip->reason];
      continue;
    }
    const std::string message = crlf(read_file(kDir / "corpus" / file));
    const auto results = verify(message, dns, kNow, corpus_limits);
    if (kPreRfc.count(file)) {
      ++pre_rfc;
      ASSERT_FALSE(results.empty()) << file;
      for (const auto& r : results) {
        EXPECT_EQ(r.result, dk::Result::permerror) << file << ": " << describe(r);
        EXPECT_TRUE(r.problem == "incompatible version" || r.problem == "missing v= tag") << file << ": " << describe(r);
      }
      continue;
    }
    ++chosen;
    const std::string got = overall(results);
    EXPECT_EQ(got, wanted.at(file)) << file << ": " << details(results);
    if (got == wanted.at(file)) ++matched;
  }
  std::size_t skipped_total = 0;
  for (const auto& [reason, n] : skipped) skipped_total += n;
  EXPECT_EQ(chosen + pre_rfc + skipped_total, wanted.size());
  EXPECT_EQ(chosen, 28u);
  EXPECT_EQ(pre_rfc, kPreRfc.size());
  std::cout << "Mail::DKIM corpus: " << matched << "/" << chosen << " RFC 6376 files give the expected result; "
            << pre_rfc << " pre-RFC (v=0.5 or no v=) give permerror as RFC 6376 6.1.1 requires; skipped:";
  for (const auto& [reason, n] : skipped) std::cout << " " << n << " (" << reason << ")";
  std::cout << "\n";
  EXPECT_EQ(matched, chosen);
}

// Specific outcomes behind the "invalid" and "fail" expectations, so that they hold for the
// right reason.
TEST(DkimMailDkimCorpus, Reasons) {
  auto dns = fake_dns();
  dk::Limits limits;
  limits.min_rsa_bits = 512;
  const auto one = [&](const std::string& file) {
    const auto results = verify(crlf(read_file(kDir / "corpus" / file)), dns, kNow, limits);
    EXPECT_EQ(results.size(), 1u) << file;
    return results.empty() ? dk::SignatureResult{} : results.front();
  };
  const auto expect = [&](const std::string& file, dk::Result result, const std::string& problem) {
    const auto r = one(file);
    EXPECT_EQ(r.result, result) << file << ": " << describe(r);
    EXPECT_EQ(r.problem, problem) << file;
  };
  expect("badkey_10.txt", dk::Result::permerror, "i= subdomain not allowed by the key (t=s)");
  expect("badkey_11.txt", dk::Result::permerror, "hash not allowed by the key");
  expect("badkey_14.txt", dk::Result::temperror, "key lookup failed");
  expect("badkey_15.txt", dk::Result::temperror, "key lookup failed");
  expect("badkey1_ed25519.txt", dk::Result::permerror, "bad ed25519 key (44 octets, not 32)");
  expect("badkey4_ed25519.txt", dk::Result::permerror, "no key record");
  expect("badkey5_ed25519.txt", dk::Result::permerror, "key record without p=");
  expect("ignore_1.txt", dk::Result::permerror, "incompatible version");
  expect("ignore_5.txt", dk::Result::permerror, "unsupported query method");
  expect("ignore_6.txt", dk::Result::permerror, "unsupported query method");
  expect("ignore_7.txt", dk::Result::permerror, "signature expired");
  expect("ignore_8.txt", dk::Result::permerror, "i= not within d=");
  expect("goodkey_1.txt", dk::Result::pass, "rsa-sha1 is not trusted (RFC 8301)");
  expect("goodkey_ed25519.txt", dk::Result::pass, "");
  const auto bad = one("bad_1878954.txt");
  EXPECT_EQ(bad.result, dk::Result::fail);
  // multiple_2: an unusable c=, a good signature, a bad one, and a syntax error.
  const auto multi = verify(crlf(read_file(kDir / "corpus/multiple_2.txt")), dns, kNow, limits);
  ASSERT_EQ(multi.size(), 4u);
  EXPECT_EQ(multi[0].result, dk::Result::permerror);
  EXPECT_EQ(multi[0].problem, "unsupported canonicalization");
  EXPECT_EQ(multi[1].result, dk::Result::pass);
  EXPECT_FALSE(multi[1].trusted);  // rsa-sha1
  EXPECT_EQ(multi[2].result, dk::Result::fail);
  EXPECT_EQ(multi[3].result, dk::Result::permerror);
}

// With the default limits (RFC 8301: 1024 bits at least), the 512-bit keys are refused.
TEST(DkimMailDkimCorpus, ShortKeysRefusedByDefault) {
  auto dns = fake_dns();
  for (const std::string file : {"goodkey_1.txt", "goodkey_2.txt", "goodkey_3.txt", "good_rfc4871_3.txt", "good_qp_1.txt"}) {
    const auto results = verify(crlf(read_file(kDir / "corpus" / file)), dns, kNow);
    ASSERT_EQ(results.size(), 1u) << file;
    EXPECT_EQ(results[0].result, dk::Result::permerror) << file;
    EXPECT_EQ(results[0].problem, "key too short (512 bits)") << file;
    EXPECT_EQ(results[0].key_bits, 512) << file;
  }
  // good_83176 uses a 1024-bit key: fine by default.
  const auto ok = verify(crlf(read_file(kDir / "corpus/good_83176.txt")), dns, kNow);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].result, dk::Result::pass) << describe(ok[0]);
  EXPECT_EQ(ok[0].key_bits, 1024);
}

// The no_body_* files (a header section only; an empty line; an empty line and one CRLF) carry
// a pre-RFC v=0.5 signature, but their bh= is the RFC 6376 simple/sha1 hash of an empty body:
// our body hash must agree for all three.
TEST(DkimMailDkimCorpus, NoBodyHashes) {
  for (const std::string file : {"no_body_1.txt", "no_body_2.txt", "no_body_3.txt"}) {
    const std::string message = crlf(read_file(kDir / "corpus" / file));
    const auto section = portcullis::mail::parse_headers(message);
    const auto tags = dk::parse_tag_list(section.first("DKIM-Signature")->raw_value);
    ASSERT_TRUE(tags.ok()) << file;
    dk::BodyHasher body(dk::Canon::simple, dk::HashAlg::sha1);
    for (const char ch : message.substr(section.body_offset)) body.feed(std::string_view(&ch, 1));
    body.finish();
    EXPECT_EQ(dk::base64_encode(body.digest()), tags.list.find("bh")->value) << file;
  }
}

}  // namespace
