// Interoperability with two independent DKIM implementations, run as real programs:
//  - dkimpy (/usr/bin/python3, module dkim; keys served through its dnsfunc hook),
//  - OpenDKIM 2.11 (/usr/sbin/opendkim in test mode "-t" with TestPublicKeys for verifying,
//    KeyTable/SigningTable for signing; /usr/sbin/opendkim-testmsg, which always signs
//    rsa-sha1 relaxed/simple).
// Every signer (ours RSA and Ed25519, relaxed and simple; dkimpy RSA and Ed25519; OpenDKIM RSA
// and Ed25519 — 2.11 signs and verifies ed25519-sha256; opendkim-testmsg rsa-sha1) is
// verified by every verifier (ours, dkimpy, OpenDKIM): the message as signed passes, a
// tampered body and a tampered signed header fail with all of them. A missing program fails
// the test. Files live in a per-test directory, removed afterwards.
//
// Found on the way: OpenDKIM's test mode rewrites the whitespace after a header field's colon
// (its milter emulation hands it the value without it), so with simple header
// canonicalisation a field like "Subject:   x" is signed and verified by OpenDKIM as something
// no other implementation sees (its own such signatures fail with dkimpy and with ours, and
// dkimpy's fail with it). The simple/simple runs therefore use a message whose fields have
// the usual single space after the colon; relaxed runs use the one with odd whitespace.
#include <gtest/gtest.h>

#include <ctime>

#include "checks/dkim/sign.hpp"
#include "helpers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;
using namespace dkim_test;

const char* const kPython = "/usr/bin/python3";
const char* const kOpenDkim = "/usr/sbin/opendkim";
const char* const kOpenDkimTestmsg = "/usr/sbin/opendkim-testmsg";

const std::string kMessage =
    "Received: from client.example.net (client.example.net [192.0.2.1])\r\n"
    "\tby mx.example.com; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.net>,\r\n"
    "\tCarol <carol@example.net>\r\n"
    "Subject:   Interop   test  with\t spaces  \r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <interop-1@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Hello Bob,  \r\n"
    "\tthis line has a leading tab and trailing spaces   \r\n"
    " \r\n"
    " And a line starting with a space.\r\n"
    "\r\n"
    "\r\n";

// The same message with plain header fields (for simple header canonicalisation, see above).
const std::string kPlainMessage =
    "Received: from client.example.net (client.example.net [192.0.2.1])\r\n"
    "\tby mx.example.com; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.net>,\r\n"
    "\tCarol <carol@example.net>\r\n"
    "Subject: Interop test with spaces\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <interop-1@example.com>\r\n"
    "\r\n"
    "Hello Bob,  \r\n"
    "\tthis line has a leading tab and trailing spaces   \r\n"
    " \r\n"
    " And a line starting with a space.\r\n"
    "\r\n";

const std::string& message_for(const std::string& canon) { return canon == "simple" ? kPlainMessage : kMessage; }

const char* const kSignPy = R"PY(
import sys, dkim
msg_path, key_path, selector, domain, alg, hc, bc, out_path = sys.argv[1:9]
msg = open(msg_path, 'rb').read()
key = open(key_path, 'rb').read().strip()
sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                canonicalize=(hc.encode(), bc.encode()), signature_algorithm=alg.encode())
open(out_path, 'wb').write(sig + msg)
)PY";

// Prints one word per DKIM-Signature (pass/fail); exit 0 only if all pass.
const char* const kVerifyPy = R"PY(
import sys, dkim
msg_path, keys_path = sys.argv[1:3]
keys = {}
for line in open(keys_path):
    name, _, value = line.strip().partition(' ')
    keys[name.lower()] = value
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    v = keys.get(n.rstrip('.').lower())
    return v.encode() if v is not None else None
msg = open(msg_path, 'rb').read()
d = dkim.DKIM(msg, minkey=1024)
count = sum(1 for h in d.headers if h[0].lower() == b'dkim-signature')
results = []
for i in range(count):
    try:
        ok = d.verify(idx=i, dnsfunc=dnsfunc)
    except Exception as e:
        ok = False
    results.append('pass' if ok else 'fail')
print(' '.join(results))
sys.exit(0 if results and all(r == 'pass' for r in results) else 1)
)PY";

enum class Outcome { pass, fail, unknown };

const char* name_of(Outcome o) { return o == Outcome::pass ? "pass" : o == Outcome::fail ? "fail" : "unknown"; }

class DkimInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {kPython, kOpenDkim, kOpenDkimTestmsg})
      ASSERT_TRUE(fs::exists(program)) << program << " is missing (install python3-dkim, opendkim, opendkim-tools)";
    ASSERT_EQ(run(std::string(kPython) + " -c 'import dkim, nacl' 2>/dev/null"), 0)
        << "dkimpy (python3-dkim) or PyNaCl (python3-nacl) is missing";
    now_ = std::time(nullptr);
    const auto rsa = dk::generate_key(false);
    const auto ed = dk::generate_key(true);
    rsa_ = std::make_unique<dk::SigningKey>(dk::load_signing_key("example.com", "rsa", rsa.private_pem));
    ed_ = std::make_unique<dk::SigningKey>(dk::load_signing_key("example.com", "ed", ed.private_pem));
    write_file(dir_ / "rsa.pem", rsa.private_pem);
    write_file(dir_ / "ed.pem", ed.private_pem);
    write_file(dir_ / "ed.seed", ed25519_seed_b64(ed_->key.get()));
    fs::permissions(dir_ / "rsa.pem", fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(dir_ / "ed.pem", fs::perms::owner_read | fs::perms::owner_write);
    write_file(dir_ / "keys.txt", "rsa._domainkey.example.com " + rsa.dns_txt + "\ned._domainkey.example.com " +
                                      ed.dns_txt + "\n");
    dns_.add_txt("rsa._domainkey.example.com", rsa.dns_txt);
    dns_.add_txt("ed._domainkey.example.com", ed.dns_txt);
    write_file(dir_ / "sign.py", kSignPy);
    write_file(dir_ / "verify.py", kVerifyPy);
    write_file(dir_ / "verify.conf", "Mode v\nTestPublicKeys " + (dir_ / "keys.txt").string() + "\nSyslog no\n");
    write_file(dir_ / "relaxed.eml", kMessage);
    write_file(dir_ / "simple.eml", kPlainMessage);
  }

  // --- signers ---
  std::string ours(const dk::SigningKey& key, dk::Canon canon) {
    dk::SignOptions options;
    options.header_canon = options.body_canon = canon;
    const std::string& message = message_for(std::string(dk::to_string(canon)));
    dk::Signer signer({&key}, options);
    signer.feed(message);
    const std::string field = signer.finish(now_);
    EXPECT_FALSE(field.empty()) << signer.error();
    return field + message;
  }
  std::string dkimpy(const std::string& key_file, const std::string& selector, const std::string& alg,
                     const std::string& canon) {
    const auto out = dir_ / "dkimpy-signed.eml";
    const int rc = run(std::string(kPython) + " " + quote(dir_ / "sign.py") + " " + quote(dir_ / (canon + ".eml")) + " " +
                       quote(dir_ / key_file) + " " + selector + " example.com " + alg + " " + canon + " " + canon +
                       " " + quote(out));
    EXPECT_EQ(rc, 0) << "dkimpy signing failed";
    return rc == 0 ? read_file(out) : std::string();
  }
  std::string opendkim(const std::string& key_file, const std::string& selector, const std::string& alg,
                       const std::string& canon) {
    write_file(dir_ / "keytable", "k1 example.com:" + selector + ":" + (dir_ / key_file).string() + "\n");
    write_file(dir_ / "signingtable", "example.com k1\n");
    write_file(dir_ / "sign.conf", "Mode s\nKeyTable " + (dir_ / "keytable").string() + "\nSigningTable " +
                                       (dir_ / "signingtable").string() + "\nSignatureAlgorithm " + alg +
                                       "\nCanonicalization " + canon + "/" + canon +
                                       "\nRequireSafeKeys false\nSyslog no\n");
    const int rc = run(std::string(kOpenDkim) + " -x " + quote(dir_ / "sign.conf") + " -t " + quote(dir_ / (canon + ".eml")) +
                       " > " + quote(dir_ / "opendkim.out") + " 2> " + quote(dir_ / "opendkim.err"));
    EXPECT_EQ(rc, 0) << read_file(dir_ / "opendkim.err");
    const std::string out = read_file(dir_ / "opendkim.out");
    const auto at = out.find("DKIM-Signature:");
    EXPECT_NE(at, std::string::npos) << "OpenDKIM wrote no signature: " << out << read_file(dir_ / "opendkim.err");
    if (at == std::string::npos) return {};
    std::string field = crlf(out.substr(at));
    while (field.size() > 2 && field.substr(field.size() - 4) == "\r\n\r\n") field.resize(field.size() - 2);
    if (field.substr(field.size() - 2) != "\r\n") field += "\r\n";
    return field + message_for(canon);
  }
  std::string opendkim_testmsg() {
    const int rc = run(std::string(kOpenDkimTestmsg) + " -C -d example.com -s rsa -k " + quote(dir_ / "rsa.pem") +
                       " -t " + quote(dir_.path()) + " < " + quote(dir_ / "relaxed.eml") + " > " + quote(dir_ / "testmsg.out") +
                       " 2> " + quote(dir_ / "testmsg.err"));
    EXPECT_EQ(rc, 0) << read_file(dir_ / "testmsg.err");
    return rc == 0 ? crlf(read_file(dir_ / "testmsg.out")) : std::string();
  }

  // --- verifiers ---
  Outcome verify_ours(const std::string& message, bool* trusted = nullptr) {
    const auto results = verify(message, dns_, now_);
    if (results.size() != 1) return Outcome::unknown;
    if (trusted) *trusted = results[0].trusted;
    if (results[0].result == dk::Result::pass) return Outcome::pass;
    return results[0].result == dk::Result::fail ? Outcome::fail : Outcome::unknown;
  }
  Outcome verify_dkimpy(const std::string& message) {
    write_file(dir_ / "check.eml", message);
    const int rc = run(std::string(kPython) + " " + quote(dir_ / "verify.py") + " " + quote(dir_ / "check.eml") + " " +
                       quote(dir_ / "keys.txt") + " > " + quote(dir_ / "dkimpy.out") + " 2>&1");
    const std::string out = read_file(dir_ / "dkimpy.out");
    if (rc == 0 && out == "pass\n") return Outcome::pass;
    if (rc == 1 && out == "fail\n") return Outcome::fail;
    ADD_FAILURE() << "dkimpy: rc " << rc << " output " << out;
    return Outcome::unknown;
  }
  Outcome verify_opendkim(const std::string& message) {
    write_file(dir_ / "check.eml", message);
    const int rc = run(std::string(kOpenDkim) + " -x " + quote(dir_ / "verify.conf") + " -t " + quote(dir_ / "check.eml") +
                       " > " + quote(dir_ / "opendkim.out") + " 2>&1");
    const std::string out = read_file(dir_ / "opendkim.out");
    EXPECT_EQ(rc, 0) << out;
    const bool ok = out.find(") succeeded") != std::string::npos;
    const bool failed = out.find("failed: signature verification failed") != std::string::npos ||
                        out.find("failed: body hash mismatch") != std::string::npos;
    if (ok && !failed) return Outcome::pass;
    if (failed && !ok) return Outcome::fail;
    ADD_FAILURE() << "OpenDKIM: " << out;
    return Outcome::unknown;
  }

  // The message as signed passes with all three; tampered, it fails with all three.
  void check(const std::string& signer, const std::string& signed_msg, bool expect_trusted = true) {
    SCOPED_TRACE("signed by " + signer);
    ASSERT_FALSE(signed_msg.empty());
    ASSERT_NE(signed_msg.find("DKIM-Signature:"), std::string::npos);
    std::string body = signed_msg;
    body.replace(body.find("Hello Bob"), 9, "Hello Eve");
    std::string header = signed_msg;
    header.replace(header.find("Interop"), 7, "Intercep");
    bool trusted = !expect_trusted;
    EXPECT_EQ(name_of(verify_ours(signed_msg, &trusted)), std::string("pass")) << "ours";
    EXPECT_EQ(trusted, expect_trusted);
    EXPECT_EQ(name_of(verify_dkimpy(signed_msg)), std::string("pass")) << "dkimpy";
    EXPECT_EQ(name_of(verify_opendkim(signed_msg)), std::string("pass")) << "OpenDKIM";
    for (const std::string* tampered : {&body, &header}) {
      const char* what = tampered == &body ? "tampered body" : "tampered header";
      EXPECT_EQ(name_of(verify_ours(*tampered)), std::string("fail")) << "ours, " << what;
      EXPECT_EQ(name_of(verify_dkimpy(*tampered)), std::string("fail")) << "dkimpy, " << what;
      EXPECT_EQ(name_of(verify_opendkim(*tampered)), std::string("fail")) << "OpenDKIM, " << what;
    }
  }

  TempDir dir_;
  std::time_t now_ = 0;
  std::unique_ptr<dk::SigningKey> rsa_, ed_;
  portcullis::net::StaticDns dns_;
};

TEST_F(DkimInterop, OursRsa) {
  check("ours rsa-sha256 relaxed/relaxed", ours(*rsa_, dk::Canon::relaxed));
  check("ours rsa-sha256 simple/simple", ours(*rsa_, dk::Canon::simple));
}

TEST_F(DkimInterop, OursEd25519) {
  check("ours ed25519-sha256 relaxed/relaxed", ours(*ed_, dk::Canon::relaxed));
  check("ours ed25519-sha256 simple/simple", ours(*ed_, dk::Canon::simple));
}

TEST_F(DkimInterop, Dkimpy) {
  check("dkimpy rsa-sha256 relaxed/relaxed", dkimpy("rsa.pem", "rsa", "rsa-sha256", "relaxed"));
  check("dkimpy rsa-sha256 simple/simple", dkimpy("rsa.pem", "rsa", "rsa-sha256", "simple"));
  check("dkimpy ed25519-sha256 relaxed/relaxed", dkimpy("ed.seed", "ed", "ed25519-sha256", "relaxed"));
}

TEST_F(DkimInterop, OpenDkim) {
  check("OpenDKIM rsa-sha256 relaxed/relaxed", opendkim("rsa.pem", "rsa", "rsa-sha256", "relaxed"));
  check("OpenDKIM rsa-sha256 simple/simple", opendkim("rsa.pem", "rsa", "rsa-sha256", "simple"));
  check("OpenDKIM ed25519-sha256 relaxed/relaxed", opendkim("ed.pem", "ed", "ed25519-sha256", "relaxed"));
  // opendkim-testmsg signs rsa-sha1: it verifies everywhere, and we report it untrusted.
  check("opendkim-testmsg rsa-sha1 relaxed/simple", opendkim_testmsg(), false);
}

// Dual signing (RSA + Ed25519 in one message): both signatures verify with dkimpy too.
TEST_F(DkimInterop, DualSignedVerifiesWithDkimpy) {
  dk::Signer signer({rsa_.get(), ed_.get()});
  signer.feed(kMessage);
  const std::string message = signer.finish(now_) + kMessage;
  write_file(dir_ / "check.eml", message);
  ASSERT_EQ(run(std::string(kPython) + " " + quote(dir_ / "verify.py") + " " + quote(dir_ / "check.eml") + " " +
                quote(dir_ / "keys.txt") + " > " + quote(dir_ / "dkimpy.out") + " 2>&1"),
            0);
  EXPECT_EQ(read_file(dir_ / "dkimpy.out"), "pass pass\n");
}

}  // namespace
