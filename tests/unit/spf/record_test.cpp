// The SPF record parser (RFC 7208 4.5, 4.6.1, 5, 6): record selection, every mechanism and
// modifier with its arguments, and records that must be refused as a whole.
#include <gtest/gtest.h>

#include <string>

#include "checks/spf/record.hpp"

namespace {

using namespace portcullis::checks::spf;

Record parse_ok(std::string_view text) {
  const auto parsed = parse_record(text);
  EXPECT_TRUE(parsed.record) << text << ": " << parsed.error;
  EXPECT_TRUE(parsed.error.empty()) << text;
  return parsed.record.value_or(Record{});
}

TEST(SpfRecord, Selection) {
  for (const char* txt : {"v=spf1", "v=spf1 -all", "V=SpF1 a", "v=spf1 "})
    EXPECT_TRUE(is_spf_record(txt)) << txt;
  for (const char* txt : {"", "v=spf", "v=spf10", "v=spf1-all", "v=spf1\t-all", " v=spf1", "spf1", "v=spf2.0/pra",
                          "v=spf1mx"})
    EXPECT_FALSE(is_spf_record(txt)) << txt;
  EXPECT_FALSE(parse_record("v=spf10 -all").record);
}

TEST(SpfRecord, EveryMechanism) {
  const Record r = parse_ok(
      "v=spf1 +a:mail.example.com/24//64 -mx ~ptr:%{d} ?exists:%{ir}.%{v}.bl.example.com ip4:192.0.2.0/24 "
      "ip6:2001:db8::/32 include:_spf.example.net a mx/30 ip4:198.51.100.7 ip6:2001:db8::1 -ALL");
  ASSERT_EQ(r.directives.size(), 12u);
  const auto& d = r.directives;
  EXPECT_EQ(d[0].mechanism, Mechanism::a);
  EXPECT_EQ(d[0].qualifier, Result::pass);
  EXPECT_EQ(d[0].domain_spec, "mail.example.com");
  EXPECT_EQ(d[0].cidr4, 24);
  EXPECT_EQ(d[0].cidr6, 64);
  EXPECT_EQ(d[0].text, "+a:mail.example.com/24//64");
  EXPECT_EQ(d[1].mechanism, Mechanism::mx);
  EXPECT_EQ(d[1].qualifier, Result::fail);
  EXPECT_EQ(d[1].domain_spec, "");
  EXPECT_EQ(d[1].cidr4, 32);
  EXPECT_EQ(d[1].cidr6, 128);
  EXPECT_EQ(d[2].mechanism, Mechanism::ptr);
  EXPECT_EQ(d[2].qualifier, Result::softfail);
  EXPECT_EQ(d[2].domain_spec, "%{d}");
  EXPECT_EQ(d[3].mechanism, Mechanism::exists);
  EXPECT_EQ(d[3].qualifier, Result::neutral);
  EXPECT_EQ(d[3].domain_spec, "%{ir}.%{v}.bl.example.com");
  EXPECT_EQ(d[4].mechanism, Mechanism::ip4);
  EXPECT_EQ(d[4].network, boost::asio::ip::make_address("192.0.2.0"));
  EXPECT_EQ(d[4].cidr4, 24);
  EXPECT_EQ(d[5].mechanism, Mechanism::ip6);
  EXPECT_EQ(d[5].network, boost::asio::ip::make_address("2001:db8::"));
  EXPECT_EQ(d[5].cidr6, 32);
  EXPECT_EQ(d[6].mechanism, Mechanism::include);
  EXPECT_EQ(d[6].domain_spec, "_spf.example.net");
  EXPECT_EQ(d[7].mechanism, Mechanism::a);
  EXPECT_EQ(d[7].domain_spec, "");
  EXPECT_EQ(d[8].mechanism, Mechanism::mx);
  EXPECT_EQ(d[8].cidr4, 30);
  EXPECT_EQ(d[9].cidr4, 32);
  EXPECT_EQ(d[10].cidr6, 128);
  EXPECT_EQ(d[11].mechanism, Mechanism::all);
  EXPECT_EQ(d[11].qualifier, Result::fail);
  EXPECT_EQ(d[11].text, "-ALL");
  EXPECT_FALSE(r.redirect);
  EXPECT_FALSE(r.explanation);
}

TEST(SpfRecord, Modifiers) {
  const Record r = parse_ok("v=spf1 Redirect=%{d2}.example.org a EXP=explain.%{d} moo.cow-far_out=man:dog/cat x=%{c}");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.redirect.value_or(""), "%{d2}.example.org");
  EXPECT_EQ(r.explanation.value_or(""), "explain.%{d}");
}

TEST(SpfRecord, DualCidrAndOddDomains) {
  EXPECT_EQ(parse_ok("v=spf1 a//0").directives.at(0).cidr6, 0);
  EXPECT_EQ(parse_ok("v=spf1 a/0").directives.at(0).cidr4, 0);
  const auto colon = parse_ok("v=spf1 a:foo:bar/baz.example.com").directives.at(0);
  EXPECT_EQ(colon.domain_spec, "foo:bar/baz.example.com");
  EXPECT_EQ(colon.cidr4, 32);
  EXPECT_EQ(parse_ok("v=spf1 ip6:::1.1.1.1/0").directives.at(0).cidr6, 0);
  EXPECT_EQ(parse_ok("v=spf1 ip6:Cafe:Babe:8000::/33").directives.at(0).network,
            boost::asio::ip::make_address("cafe:babe:8000::"));
}

TEST(SpfRecord, SpacesBetweenAndAfterTerms) {
  EXPECT_EQ(parse_ok("v=spf1  a   -all   ").directives.size(), 2u);
  EXPECT_TRUE(parse_ok("v=spf1").directives.empty());
  EXPECT_TRUE(parse_ok("V=SPF1 ").directives.empty());
}

TEST(SpfRecord, SyntaxErrorsAnywhere) {
  const char* bad[] = {
      "v=spf1 ip4:1.2.3.4 -all moo",         // unknown mechanism at the end
      "v=spf1 a:foo-bar -all",               // no toplabel
      "v=spf1 a:museum",                     // only a toplabel
      "v=spf1 a:abc.123",                    // numeric toplabel
      "v=spf1 a:example.-com",               // toplabel starting with '-'
      "v=spf1 a:example.com:8080",           // ':' in the toplabel
      "v=spf1 a:",                           // empty domain
      "v=spf1 mx: -all",                     //
      "v=spf1 a/33",                         // cidr4 > 32
      "v=spf1 a//129",                       // cidr6 > 128
      "v=spf1 a/24/64",                      // single slash before the ip6 length
      "v=spf1 a/024",                        // leading zero
      "v=spf1 a/",                           // empty length
      "v=spf1 ip4:1.2.3.4/33",               //
      "v=spf1 ip4:1.2.3.4/032",              //
      "v=spf1 ip4:1.2.3.4//32",              //
      "v=spf1 ip4:1.2.3",                    // short address
      "v=spf1 ip4:01.2.3.4",                 // leading zero
      "v=spf1 ip4:1.2.3.256",                //
      "v=spf1 ip4:1.2.3.4:8080",             //
      "v=spf1 ip4",                          //
      "v=spf1 ip4:",                         //
      "v=spf1 ip6",                          //
      "v=spf1 ip6::CAFE::BABE",              //
      "v=spf1 ip6:::1.1.1.1/129",            //
      "v=spf1 ip6:::1.1.1.1//33",            //
      "v=spf1 ip6:fe80::1%eth0",             // zone index
      "v=spf1 ip6:1.2.3.4",                  //
      "v=spf1 include",                      //
      "v=spf1 include:",                     //
      "v=spf1 include:ip5.example.com/24",   //
      "v=spf1 exists",                       //
      "v=spf1 exists:mail.example.com/24",   //
      "v=spf1 ptr/0",                        //
      "v=spf1 ptr:",                         //
      "v=spf1 -all.",                        //
      "v=spf1 -all:foobar",                  //
      "v=spf1 -all/8",                       //
      "v=spf1 redirect:example.com",         // redirect is a modifier
      "v=spf1 redirect=a.example redirect=b.example",  //
      "v=spf1 exp=a.example exp=b.example",  //
      "v=spf1 exp=",                         //
      "v=spf1 exp=-all",                     //
      "v=spf1 redirect=",                    //
      "v=spf1 redirect=%{c}.example.com",    // c only in explanations
      "v=spf1 a:%{a}.example.com",           // no such letter
      "v=spf1 exists:%(ir).sbl.example.com", //
      "v=spf1 exists:foo%.sbl.example.com",  //
      "v=spf1 1up=foo",                      // modifier names start with a letter
      "v=spf1 =all",                         //
      "v=spf1 foo=%abc",                     // bad macro in an unknown modifier
      "v=spf1 moo.cow/far_out=man:dog/cat",  //
      "v=spf1 ++all",                        //
      "v=spf1 -",                            //
      "v=spf1 a:ctrl.example.com\rptr -all", // control octet
      "v=spf1 ip4:192.0.2.5\n include:x.example.com",  //
      "v=spf1\t-all",                        // not even an SPF record
      "v=spf1 a:\xc3\xaf.example.net -all",  // non-ASCII
      "v=spf1 a:example.net \x96" "all",     //
  };
  for (const char* text : bad) {
    const auto parsed = parse_record(text);
    EXPECT_FALSE(parsed.record) << text;
    EXPECT_FALSE(parsed.error.empty()) << text;
    for (const char c : parsed.error)
      EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << "unprintable error for " << text;
  }
  const std::string nul("v=spf1 a:foo.example.com\0", 25);
  EXPECT_FALSE(parse_record(nul).record);
}

TEST(SpfRecord, LengthIsBounded) {
  std::string text = "v=spf1";
  while (text.size() + 12 <= kMaxRecordLength) text += " ip4:1.2.3.4";
  EXPECT_TRUE(parse_record(text).record);
  text += " ip4:1.2.3.4";
  const auto parsed = parse_record(text);
  EXPECT_FALSE(parsed.record);
  EXPECT_NE(parsed.error.find("longer"), std::string::npos);
}

TEST(SpfRecord, Printable) {
  EXPECT_EQ(printable("a\x01\xff" "b"), "a??b");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), "xxxxxxxxxx...");
}

}  // namespace
