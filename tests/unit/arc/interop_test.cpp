// Interoperability with dkimpy's ARC implementation (/usr/bin/python3, module dkim, the same
// one unit_dkim uses; keys served through its dnsfunc hook): chains we seal (one hop, two
// hops, a list that changed the message) pass dkimpy's arc_verify, and a tampered one fails.
// dkimpy only does rsa-sha256 for ARC. The other direction (dkimpy's arc_sign, validated by
// us) needs the Python module authres too; without it that test is skipped, saying so.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "helpers.hpp"

namespace {

using namespace arc_test;

constexpr std::time_t kNow = 1700000000;
const char* const kPython = "/usr/bin/python3";

const std::string kMessage =
    "From: Alice <alice@example.com>\r\n"
    "To: list@lists.example.net\r\n"
    "Subject: Interop\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Message-ID: <interop-1@example.com>\r\n"
    "\r\n"
    "Hello there.\r\n";

// arc_verify of the message in argv[1], keys from argv[2] ("name value" lines); prints cv.
const char* const kVerify = R"PY(
import sys, dkim
keys = {}
for line in open(sys.argv[2]):
    name, value = line.rstrip('\n').split(' ', 1)
    keys[name] = value.encode()
def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    return keys.get(name.rstrip('.'))
cv, results, reason = dkim.arc_verify(open(sys.argv[1], 'rb').read(), dnsfunc=dnsfunc)
print((cv or b'none').decode(), reason)
)PY";

// arc_sign of the message in argv[1] with the PEM key argv[2], domain argv[3], selector argv[4],
// srv-id argv[5]; prints the new set.
const char* const kSign = R"PY(
import sys, dkim
msg = open(sys.argv[1], 'rb').read()
out = dkim.arc_sign(msg, sys.argv[4].encode(), sys.argv[3].encode(), open(sys.argv[2], 'rb').read(),
                    sys.argv[5].encode(), include_headers=[b'from', b'to', b'subject', b'date'], timestamp=1700000000)
sys.stdout.buffer.write(b''.join(out))
)PY";

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

class ArcInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kPython)) << kPython << " is missing";
    ASSERT_EQ(run(std::string(kPython) + " -c 'import dkim' 2>/dev/null"), 0) << "dkimpy (python3-dkim) is missing";
    std::string templ = (fs::path(::testing::TempDir()) / "arc-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    const auto list = dk::generate_key(false);
    const auto relay = dk::generate_key(false);
    list_ = std::make_unique<dk::SigningKey>(dk::load_signing_key("lists.example.net", "arc", list.private_pem));
    relay_ = std::make_unique<dk::SigningKey>(dk::load_signing_key("relay.example.org", "seal", relay.private_pem));
    write_file(dir_ / "list.pem", list.private_pem);
    write_file(dir_ / "keys.txt", "arc._domainkey.lists.example.net " + list.dns_txt +
                                      "\nseal._domainkey.relay.example.org " + relay.dns_txt + "\n");
    write_file(dir_ / "verify.py", kVerify);
    write_file(dir_ / "sign.py", kSign);
    dns_.add_txt("arc._domainkey.lists.example.net", list.dns_txt);
    dns_.add_txt("seal._domainkey.relay.example.org", relay.dns_txt);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // dkimpy's verdict ("pass ...", "fail ...") on `message`.
  std::string dkimpy_verify(const std::string& message) {
    write_file(dir_ / "msg.eml", message);
    const int rc = run(std::string(kPython) + " " + quote(dir_ / "verify.py") + " " + quote(dir_ / "msg.eml") + " " +
                       quote(dir_ / "keys.txt") + " > " + quote(dir_ / "out.txt") + " 2> " + quote(dir_ / "err.txt"));
    EXPECT_EQ(rc, 0) << read_file(dir_ / "err.txt");
    return read_file(dir_ / "out.txt");
  }

  std::string hop(const std::string& message, const dk::SigningKey& key) {
    return sealed(message, validate(message, dns_, kNow), key, kNow, "mx." + key.domain, "spf=pass");
  }

  fs::path dir_;
  std::unique_ptr<dk::SigningKey> list_, relay_;
  portcullis::net::StaticDns dns_;
};

TEST_F(ArcInterop, DkimpyValidatesOurSeals) {
  const std::string one = hop(kMessage, *list_);
  EXPECT_EQ(dkimpy_verify(one).rfind("pass", 0), 0u) << dkimpy_verify(one) << one;
  const std::string two = hop(one, *relay_);
  EXPECT_EQ(dkimpy_verify(two).rfind("pass", 0), 0u) << dkimpy_verify(two);

  // A list changed the message after validating it, then sealed: still a passing chain.
  const auto at_list = validate(one, dns_, kNow);
  std::string changed = one;
  changed.replace(changed.find("Subject: Interop"), 16, "Subject: [list] Interop");
  changed += "-- \r\nfooter\r\n";
  const std::string listed = sealed(changed, at_list, *relay_, kNow, "mx.relay.example.org",
                                    "arc=pass");
  EXPECT_EQ(dkimpy_verify(listed).rfind("pass", 0), 0u) << dkimpy_verify(listed);
  EXPECT_EQ(validate(listed, dns_, kNow).oldest_pass, 2);

  // Tampered after sealing: both say fail.
  std::string tampered = two;
  tampered.replace(tampered.find("Hello there."), 12, "Hello THERE.");
  EXPECT_EQ(dkimpy_verify(tampered).rfind("fail", 0), 0u) << dkimpy_verify(tampered);
  EXPECT_EQ(validate(tampered, dns_, kNow).cv, arc::Cv::fail);
}

TEST_F(ArcInterop, WeValidateDkimpySeals) {
  ASSERT_EQ(run(std::string(kPython) + " -c 'import authres' 2>/dev/null"), 0)
      << "dkimpy's arc_sign needs the Python module authres: scripts/install-deps installs python3-authres";
  const std::string message = "Authentication-Results: mx.lists.example.net; spf=pass smtp.mailfrom=example.com\r\n" +
                              kMessage;
  write_file(dir_ / "in.eml", message);
  const int rc = run(std::string(kPython) + " " + quote(dir_ / "sign.py") + " " + quote(dir_ / "in.eml") + " " +
                     quote(dir_ / "list.pem") + " lists.example.net arc mx.lists.example.net > " +
                     quote(dir_ / "set.txt") + " 2> " + quote(dir_ / "err.txt"));
  ASSERT_EQ(rc, 0) << read_file(dir_ / "err.txt");
  const std::string signed_message = crlf(read_file(dir_ / "set.txt")) + message;
  const auto r = validate(signed_message, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::pass) << describe(r) << "\n" << signed_message;
}

}  // namespace
