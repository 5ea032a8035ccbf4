// core::hash_password / verify_password / password_weakness.
#include "core/password.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portcullis::core {
namespace {

constexpr ScryptParams cheap{12, 8, 1};  // fast for tests; the default (ln=17) is tested once

TEST(Password, HashVerifies) {
  const std::string phc = hash_password("correct horse battery staple", cheap);
  EXPECT_TRUE(phc.starts_with("$scrypt$ln=12,r=8,p=1$")) << phc;
  EXPECT_TRUE(verify_password("correct horse battery staple", phc));
  EXPECT_FALSE(verify_password("correct horse battery stapl", phc));
  EXPECT_FALSE(verify_password("", phc));
}

TEST(Password, DefaultParametersAreMemoryHard) {
  const std::string phc = hash_password("Tr0ub4dor&3-extended");
  EXPECT_TRUE(phc.starts_with("$scrypt$ln=17,r=8,p=1$")) << phc;
  EXPECT_TRUE(verify_password("Tr0ub4dor&3-extended", phc));
}

TEST(Password, SaltsDiffer) {
  EXPECT_NE(hash_password("same password here", cheap), hash_password("same password here", cheap));
}

TEST(Password, MalformedHashesNeverMatch) {
  const std::string good = hash_password("pw", cheap);
  const std::string tail = good.substr(good.find('$', 8));  // "$salt$hash"
  std::string flipped = good;  // the first octet of the hash changed
  char& first = flipped[good.rfind('$') + 1];
  first = first == 'A' ? 'B' : 'A';
  for (const std::string& bad : std::vector<std::string>{
           std::string(""), std::string("pw"), std::string("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA"),
        "$scrypt$ln=9,r=8,p=1" + tail, "$scrypt$ln=23,r=8,p=1" + tail, "$scrypt$ln=12,r=0,p=1" + tail,
        "$scrypt$ln=12,r=8" + tail, "$scrypt$ln=12,r=8,p=1,x=1" + tail, "$scrypt$ln=12,ln=12,r=8" + tail,
        "$scrypt$ln=12,r=8,p=1$$", "$scrypt$ln=12,r=8,p=1$!!!!$????", good.substr(0, good.size() - 4),
        flipped})
    EXPECT_FALSE(verify_password("pw", bad)) << bad;
}

TEST(Password, Weakness) {
  EXPECT_NE(password_weakness("short1A!"), "");
  EXPECT_NE(password_weakness("alllowercaseletters"), "");
  EXPECT_EQ(password_weakness("Lower+Upper+Digits9"), "");
  EXPECT_EQ(password_weakness("a long passphrase of many words"), "");
}

}  // namespace
}  // namespace portcullis::core
