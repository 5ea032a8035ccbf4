// The hypervisor and boot loader answer sources: OVF environment documents (VMware vApp
// properties), the Hyper-V KVP pool file, and portcullis.answers= on the kernel command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "sources/cmdline.hpp"
#include "sources/kvp.hpp"
#include "sources/ovf_env.hpp"

namespace portcullis::firstboot {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The SourceError message of f, or "no error".
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SourceError& e) {
    return e.what();
  }
  return "no error";
}

std::string ovf_error(const std::string& xml) {
  return error_of([&] { parse_ovf_env(xml); });
}

// An environment with one PropertySection holding `properties` (Property elements).
std::string env_with(const std::string& properties) {
  return "<Environment xmlns=\"http://schemas.dmtf.org/ovf/environment/1\" "
         "xmlns:oe=\"http://schemas.dmtf.org/ovf/environment/1\" oe:id=\"\">"
         "<PropertySection>" + properties + "</PropertySection></Environment>";
}

std::string property(const std::string& key, const std::string& value) {
  return "<Property oe:key=\"" + key + "\" oe:value=\"" + value + "\"/>";
}

// --- OVF environment -------------------------------------------------------------------------

// What vSphere hands a powered-on vApp VM in guestinfo.ovfEnv (shape and namespaces as ESXi
// writes them), with our properties among a vendor's own.
const char* const vmware_env = R"(<?xml version="1.0" encoding="UTF-8"?>
<Environment
     xmlns="http://schemas.dmtf.org/ovf/environment/1"
     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xmlns:oe="http://schemas.dmtf.org/ovf/environment/1"
     xmlns:ve="http://www.vmware.com/schema/ovfenv"
     oe:id=""
     ve:vCenterId="vm-4711">
   <PlatformSection>
      <Kind>VMware ESXi</Kind>
      <Version>8.0.2</Version>
      <Vendor>VMware, Inc.</Vendor>
      <Locale>en</Locale>
   </PlatformSection>
   <PropertySection>
         <Property oe:key="portcullis.admin.email" oe:value="hostmaster@example.net"/>
         <Property oe:key="portcullis.admin.password" oe:value="c0rrect &amp; h0rse &lt;battery&gt;"/>
         <Property oe:key="portcullis.mail.destination" oe:value="exchange.example.org:25"/>
         <Property oe:key="portcullis.mail.relay_networks" oe:value="192.0.2.0/24,2001:db8::/48"/>
         <Property oe:key="portcullis.network.address" oe:value="192.0.2.10/24"/>
         <Property oe:key="portcullis.network.dns" oe:value="192.0.2.53,2001:db8::53"/>
         <Property oe:key="portcullis.network.gateway" oe:value="192.0.2.1"/>
         <Property oe:key="portcullis.network.mode" oe:value="static"/>
         <Property oe:key="portcullis.system.hostname" oe:value="mx.example.org"/>
         <Property oe:key="portcullis.system.timezone" oe:value=""/>
         <Property oe:key="vami.DNS.Portcullis_Gateway" oe:value="192.0.2.53"/>
         <Property oe:key="guestinfo.cis.appliance.net.addr" oe:value="10.0.0.5"/>
   </PropertySection>
   <ve:EthernetAdapterSection>
      <ve:Adapter ve:mac="00:50:56:8f:12:34" ve:network="DMZ" ve:unitNumber="7"/>
   </ve:EthernetAdapterSection>
</Environment>
)";

TEST(OvfEnv, AVmwareEnvironment) {
  const AnswerMap expected{
      {"admin.email", "hostmaster@example.net"},
      {"admin.password", "c0rrect & h0rse <battery>"},
      {"mail.destination", "exchange.example.org:25"},
      {"mail.relay_networks", "192.0.2.0/24,2001:db8::/48"},
      {"network.address", "192.0.2.10/24"},
      {"network.dns", "192.0.2.53,2001:db8::53"},
      {"network.gateway", "192.0.2.1"},
      {"network.mode", "static"},
      {"system.hostname", "mx.example.org"},
      // system.timezone is empty: not set. The vami.* and guestinfo.* keys are not ours.
  };
  EXPECT_EQ(parse_ovf_env(vmware_env), expected);
}

TEST(OvfEnv, TheIsoTransportFileWithByteOrderMarkAndCrLf) {
  std::string xml = "\xEF\xBB\xBF" + std::string(vmware_env);
  std::string crlf;
  for (const char c : xml) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_EQ(parse_ovf_env(crlf).at("system.hostname"), "mx.example.org");
  EXPECT_EQ(parse_ovf_env(crlf).size(), 9u);
}

TEST(OvfEnv, EmptyEnvironments) {
  EXPECT_TRUE(parse_ovf_env("<Environment/>").empty());
  EXPECT_TRUE(parse_ovf_env(env_with("")).empty());
  EXPECT_TRUE(parse_ovf_env("<?xml version=\"1.0\"?>\n<!-- none -->\n<oe:Environment xmlns:oe=\"x\"></oe:Environment>\n").empty());
}

TEST(OvfEnv, EntitiesAndCharacterReferences) {
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "&amp;&lt;&gt;&quot;&apos;"))).at("a.b"), "&<>\"'");
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "&#65;&#x42;&#x43;&#0068;"))).at("a.b"), "ABCD");
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "&#xe9;&#xE9;&#233;"))).at("a.b"), "\u00e9\u00e9\u00e9");
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "&#x20AC;&#x1F600;&#x10FFFF;"))).at("a.b"),
            "\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "l1&#10;l2&#13;&#9;"))).at("a.b"), "l1\nl2\r\t");
  // Raw UTF-8 passes as it is; entities in keys are decoded too.
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "Gr\xC3\xBC\xC3\x9F" "e"))).at("a.b"), "Gr\u00fc\u00dfe");
  EXPECT_EQ(parse_ovf_env(env_with(property("portcullis&#46;a.b", "x"))).at("a.b"), "x");
}

TEST(OvfEnv, LiteralLineBreaksInValuesAreKeptAsLf) {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(parse_ovf_env(env_with(property("tls.certificate_pem", pem))).at("tls.certificate_pem"), pem);
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "x\r\ny\rz"))).at("a.b"), "x\ny\nz");
}

TEST(OvfEnv, BadEntitiesAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"&nbsp;", "unknown entity"},
      {"&AMP;", "unknown entity"},
      {"&;", "unknown entity"},
      {"a & b", "without a closing ';'"},  // a bare '&' (no ';' anywhere after it)
      {"&amp", "without a closing ';'"},
      {"&#0;", "XML does not allow"},
      {"&#x0;", "XML does not allow"},
      {"&#1;", "XML does not allow"},
      {"&#x1F;", "XML does not allow"},
      {"&#xD800;", "XML does not allow"},
      {"&#xDFFF;", "XML does not allow"},
      {"&#xFFFE;", "XML does not allow"},
      {"&#x110000;", "beyond U+10FFFF"},
      {"&#1114112;", "beyond U+10FFFF"},
      {"&#99999999999999999999999;", "beyond U+10FFFF"},
      {"&#;", "empty character reference"},
      {"&#x;", "empty character reference"},
      {"&#X41;", "bad character reference"},
      {"&#x4G;", "bad character reference"},
      {"&#4a;", "bad character reference"},
      {"&# 65;", "bad character reference"},
  };
  for (const auto& [value, reason] : cases) {
    const std::string error = ovf_error(env_with(property("a.b", value)));
    EXPECT_THAT(error, HasSubstr(reason)) << value;
    EXPECT_THAT(error, StartsWith("OVF environment: ")) << value;
  }
  // With a ';' further on, the text between is not an entity name.
  EXPECT_THAT(ovf_error(env_with(property("a.b", "a & b;"))), HasSubstr("unknown entity"));
  // Element text is checked the same way, though it is not an answer.
  EXPECT_THAT(ovf_error("<Environment><PlatformSection><Vendor>A &bogus; B</Vendor></PlatformSection></Environment>"),
              HasSubstr("unknown entity"));
  EXPECT_THAT(ovf_error("<Environment>&#0;</Environment>"), HasSubstr("XML does not allow"));
}

TEST(OvfEnv, AnyPrefixAndUnprefixedAttributes) {
  const std::string xml =
      "<ovfenv:Environment xmlns:ovfenv=\"http://schemas.dmtf.org/ovf/environment/1\">\n"
      " <ovfenv:PropertySection>\n"
      "  <ovfenv:Property ovfenv:key='portcullis.system.hostname' ovfenv:value='mx.example.org'/>\n"
      "  <Property key=\"network.mode\" value=\"dhcp\"></Property>\n"
      "  <p:Property p:value = 'say \"hi\"'\n\tp:key\t=\t\"mail.domain\" />\n"
      "  <Property oe:value=\"it's\" oe:key=\"admin.user\"><!-- ok --></Property>\n"
      " </ovfenv:PropertySection>\n"
      "</ovfenv:Environment>";
  const AnswerMap expected{{"system.hostname", "mx.example.org"},
                           {"network.mode", "dhcp"},
                           {"mail.domain", "say \"hi\""},
                           {"admin.user", "it's"}};
  EXPECT_EQ(parse_ovf_env(xml), expected);
}

TEST(OvfEnv, KeysOutsideTheSyntaxAreSomeoneElses) {
  const std::string xml = env_with(
      property("portcullis.system.hostname", "a") + property("system.domain", "b") +
      property("Portcullis.system.timezone", "c") +   // not our prefix: three parts
      property("portcullis.hostname", "d") +          // no section
      property("portcullis.system.host-name", "e") +  // '-'
      property("System.Hostname", "f") + property("a.b.c", "g") + property(".b", "h") +
      property("a.", "i") + property("", "j") + property("portcullis.", "k") +
      property("portcullis.portcullis.a.b", "l") + property("sys tem.x", "m") +
      property("s\xC3\xBC.x", "n") + property("mail_2.x_9", "o"));
  const AnswerMap expected{{"system.hostname", "a"}, {"system.domain", "b"}, {"mail_2.x_9", "o"}};
  EXPECT_EQ(parse_ovf_env(xml), expected);
}

TEST(OvfEnv, EmptyValuesAreNotSet) {
  EXPECT_EQ(parse_ovf_env(env_with(property("a.b", "") + property("a.c", " "))), (AnswerMap{{"a.c", " "}}));
}

TEST(OvfEnv, DuplicateKeysAreRefused) {
  EXPECT_EQ(ovf_error(env_with(property("a.b", "1") + property("a.b", "2"))),
            "OVF environment: property a.b is set twice");
  EXPECT_EQ(ovf_error(env_with(property("portcullis.a.b", "1") + property("a.b", "1"))),
            "OVF environment: property a.b is set twice");
  EXPECT_EQ(ovf_error(env_with(property("a.b", "") + property("portcullis.a.b", "2"))),
            "OVF environment: property a.b is set twice");
  // Ignored keys may repeat: they are not ours.
  EXPECT_EQ(parse_ovf_env(env_with(property("x.y.z", "1") + property("x.y.z", "2"))).size(), 0u);
  // Two PropertySections of the environment itself are one set of properties.
  EXPECT_EQ(ovf_error("<Environment><PropertySection>" + property("a.b", "1") + "</PropertySection><PropertySection>" +
                      property("a.b", "2") + "</PropertySection></Environment>"),
            "OVF environment: property a.b is set twice");
}

TEST(OvfEnv, OnlyTheEnvironmentsOwnPropertySectionCounts) {
  // A vApp member sees its siblings' properties in Entity elements: not its own.
  const std::string xml =
      "<Environment xmlns=\"http://schemas.dmtf.org/ovf/environment/1\" "
      "xmlns:oe=\"http://schemas.dmtf.org/ovf/environment/1\" oe:id=\"mx1\">"
      "<PropertySection>" + property("portcullis.system.hostname", "mx1.example.org") + "</PropertySection>"
      "<Entity oe:id=\"mx2\"><PropertySection>" + property("portcullis.system.hostname", "mx2.example.org") +
      property("portcullis.network.mode", "static") + "</PropertySection></Entity>" +
      property("portcullis.admin.user", "loose") +  // not inside a PropertySection
      "<PlatformSection>" + property("portcullis.admin.email", "nested@example.org") + "</PlatformSection>"
      "</Environment>";
  EXPECT_EQ(parse_ovf_env(xml), (AnswerMap{{"system.hostname", "mx1.example.org"}}));
}

TEST(OvfEnv, CommentsInstructionsAndCdataAreSkipped) {
  const std::string xml =
      "<?xml version='1.0' encoding='UTF-8'?><!-- <Property oe:key=\"a.x\" oe:value=\"no\"/> -->"
      "<Environment><?vmware hint?><PropertySection><!---->"
      "<![CDATA[<Property oe:key=\"a.y\" oe:value=\"no\"/>]]>" + property("a.b", "yes") +
      "<Other oe:key=\"a.z\" oe:value=\"no\"/></PropertySection></Environment><!-- after -->\n";
  EXPECT_EQ(parse_ovf_env(xml), (AnswerMap{{"a.b", "yes"}}));
}

TEST(OvfEnv, MalformedDocumentsAreRefused) {
  const std::pair<std::string, const char*> cases[] = {
      {"", "no root element"},
      {"   \n", "no root element"},
      {"<?xml version=\"1.0\"?><!-- only -->", "no root element"},
      {"<Environment", "unterminated tag"},
      {"<Environment oe:id=\"x\"", "unterminated tag"},
      {"<Environment oe:id=", "unterminated tag"},
      {"<Environment><PropertySection><Property oe:key=\"a.b\" oe:value=\"x/></PropertySection></Environment>",
       "unterminated attribute value"},
      {"<Environment oe:id='x\"/>", "unterminated attribute value"},
      {"<Environment><!-- open", "unterminated comment"},
      {"<Environment><!-- a -- b --></Environment>", "'--' inside a comment"},
      {"<Environment><!-- a ---></Environment>", "'--' inside a comment"},
      {"<?xml version=\"1.0\"", "unterminated processing instruction"},
      {"<Environment><![CDATA[x</Environment>", "unterminated CDATA section"},
      {"<![CDATA[x]]><Environment/>", "CDATA outside the root element"},
      {"<Environment><PropertySection></Environment>", "mismatched end tag"},
      {"<Environment></environment>", "mismatched end tag"},
      {"</Environment>", "mismatched end tag"},
      {"<Environment><PropertySection>", "unclosed element"},
      {"<Environment></Environment", "unterminated end tag"},
      {"<Environment></Environment x>", "unexpected character in end tag"},
      {"<Environment/><Environment/>", "content after the root element"},
      {"<Environment/>text", "text outside the root element"},
      {"junk<Environment/>", "text outside the root element"},
      {"<!DOCTYPE Environment [<!ENTITY x \"y\">]><Environment/>", "DOCTYPE and other declarations"},
      {"<Envelope/>", "not an OVF Environment"},
      {"<Environment x=1/>", "attribute value without quotes"},
      {"<Environment x/>", "attribute without a value"},
      {"<Environment x='1' x='2'/>", "duplicate attribute"},
      {"<Environment x='1'y='2'/>", "unexpected character in tag"},
      {"<Environment x='<'/>", "'<' in an attribute value"},
      {"<Environment><1a/></Environment>", "expected a name"},
      {"< Environment/>", "expected a name"},
      {"<Environment&/>", "unexpected character in tag"},
      {env_with("<Property oe:value=\"x\"/>"), "Property without a key"},
      {env_with("<Property oe:key=\"a.b\"/>"), "Property without a value"},
      {env_with("<Property oe:key=\"a.b\" key=\"a.c\" oe:value=\"x\"/>"), "Property with two key attributes"},
      {env_with("<Property oe:key=\"a.b\" oe:value=\"x\" value=\"y\"/>"), "Property with two value attributes"},
  };
  for (const auto& [xml, reason] : cases) {
    const std::string error = ovf_error(xml);
    EXPECT_THAT(error, HasSubstr(reason)) << xml;
    EXPECT_THAT(error, StartsWith("OVF environment: ")) << xml;
  }
}

TEST(OvfEnv, ErrorsNameTheByteOffset) {
  EXPECT_EQ(ovf_error("<Environment><!-- open"), "OVF environment: unterminated comment at byte 13");
  EXPECT_EQ(ovf_error("<Environment x='&bad;'/>"), "OVF environment: unknown entity at byte 16");
}

TEST(OvfEnv, OnlyUtf8TextWithoutControlCharacters) {
  EXPECT_EQ(ovf_error(env_with(property("a.b", "\xFF"))), "OVF environment: not UTF-8");
  EXPECT_EQ(ovf_error(env_with(property("a.b", "\xC0\xAF"))), "OVF environment: not UTF-8");        // overlong '/'
  EXPECT_EQ(ovf_error(env_with(property("a.b", "\xED\xA0\x80"))), "OVF environment: not UTF-8");    // surrogate
  EXPECT_EQ(ovf_error(env_with(property("a.b", "\xF4\x90\x80\x80"))), "OVF environment: not UTF-8"); // > U+10FFFF
  EXPECT_EQ(ovf_error(env_with(property("a.b", "\xE2\x82"))), "OVF environment: not UTF-8");        // truncated
  EXPECT_THAT(ovf_error(env_with(property("a.b", std::string(1, '\0')))), HasSubstr("control character"));
  EXPECT_THAT(ovf_error(env_with(property("a.b", "\x1B[0m"))), HasSubstr("control character"));
  // UTF-16 (what a wrongly saved ovf-env.xml might be) has NUL bytes.
  EXPECT_THAT(ovf_error(std::string("<\0E\0", 4)), HasSubstr("control character"));
}

TEST(OvfEnv, SizeAndDepthAreBounded) {
  const std::string head = "<Environment><PropertySection>" + property("a.b", "x") + "<!--";
  const std::string tail = "--></PropertySection></Environment>";
  const std::string fits = head + std::string(1024 * 1024 - head.size() - tail.size(), ' ') + tail;
  ASSERT_EQ(fits.size(), 1024u * 1024u);
  EXPECT_EQ(parse_ovf_env(fits), (AnswerMap{{"a.b", "x"}}));
  EXPECT_EQ(ovf_error(head + std::string(1024 * 1024 - head.size() - tail.size() + 1, ' ') + tail),
            "OVF environment: larger than 1 MiB");

  std::string deep = "<Environment>";
  std::string closing = "</Environment>";
  for (int i = 1; i < 64; ++i) {
    deep += "<x>";
    closing = "</x>" + closing;
  }
  EXPECT_TRUE(parse_ovf_env(deep + closing).empty());  // 64 open elements
  EXPECT_TRUE(parse_ovf_env(deep + "<x/>" + closing).empty());  // an empty element is never open
  EXPECT_THAT(ovf_error(deep + "<x></x>" + closing), HasSubstr("nested too deeply"));
}

// --- Hyper-V KVP pool ------------------------------------------------------------------------

// One pool record as hv_kvp_daemon writes it: the strings NUL-padded to their fields.
std::string record(const std::string& key, const std::string& value) {
  std::string r(kvp_record_size, '\0');
  r.replace(0, key.size(), key);
  r.replace(kvp_key_size, value.size(), value);
  return r;
}

std::string kvp_error(const std::string& bytes) {
  return error_of([&] { parse_kvp_pool(bytes); });
}

TEST(KvpPool, RecordSizes) {
  EXPECT_EQ(kvp_key_size, 512u);
  EXPECT_EQ(kvp_value_size, 2048u);
  EXPECT_EQ(record("k", "v").size(), 2560u);
}

TEST(KvpPool, OurRecordsAmongOthers) {
  const std::string pool = record("portcullis.system.hostname", "mx.example.org") +
                           record("VirtualMachineName", "MX01") +
                           record("portcullis.network.mode", "static") +
                           record("portcullis.network.address", "192.0.2.10/24") +
                           record("system.domain", "example.org") +         // without our prefix
                           record("portcullis.System.Domain", "example.org") +  // bad key syntax
                           record("portcullis.admin", "x") +
                           record("portcullis.admin.password", "Gr\xC3\xBC\xC3\x9F" "e & <more> 1234") +
                           record("", "");  // an unused slot
  const AnswerMap expected{{"system.hostname", "mx.example.org"},
                           {"network.mode", "static"},
                           {"network.address", "192.0.2.10/24"},
                           {"admin.password", "Gr\u00fc\u00dfe & <more> 1234"}};
  EXPECT_EQ(parse_kvp_pool(pool), expected);
}

TEST(KvpPool, EmptyPool) { EXPECT_TRUE(parse_kvp_pool("").empty()); }

TEST(KvpPool, LaterRecordsReplaceEarlierOnes) {
  EXPECT_EQ(parse_kvp_pool(record("portcullis.a.b", "1") + record("portcullis.a.c", "x") + record("portcullis.a.b", "2")),
            (AnswerMap{{"a.b", "2"}, {"a.c", "x"}}));
  // An empty value is "not set": alone it is skipped, later it unsets, and it can be set again.
  EXPECT_TRUE(parse_kvp_pool(record("portcullis.a.b", "")).empty());
  EXPECT_TRUE(parse_kvp_pool(record("portcullis.a.b", "1") + record("portcullis.a.b", "")).empty());
  EXPECT_EQ(parse_kvp_pool(record("portcullis.a.b", "1") + record("portcullis.a.b", "") + record("portcullis.a.b", "3")),
            (AnswerMap{{"a.b", "3"}}));
}

TEST(KvpPool, BytesAfterTheNulAreLeftovers) {
  // hv_kvp_daemon overwrites a record in place: a shorter new value leaves the old tail.
  std::string r = record("portcullis.system.hostname", "mx.example.org");
  r.replace(kvp_key_size, 3, std::string("mx\0", 3));
  r.replace(30, 5, std::string("\0old\xFF", 5));
  EXPECT_EQ(parse_kvp_pool(r), (AnswerMap{{"system.hostname", "mx"}}));
}

TEST(KvpPool, MaximumLengthFields) {
  // A value that fills its field has no NUL: it is the whole field.
  const std::string full(kvp_value_size, 'v');
  EXPECT_EQ(parse_kvp_pool(record("portcullis.tls.key_pem", full)).at("tls.key_pem"), full);
  // A key of 511 bytes still has its NUL.
  const std::string key511 = "portcullis.a." + std::string(kvp_key_size - 1 - 13, 'k');
  ASSERT_EQ(key511.size(), 511u);
  EXPECT_EQ(parse_kvp_pool(record(key511, "x")).size(), 1u);
  // A key that fills its field is refused, ours or not, wherever it is.
  const std::string key512(kvp_key_size, 'k');
  EXPECT_EQ(kvp_error(record(key512, "x")), "Hyper-V KVP pool: record 0: the key has no NUL terminator");
  EXPECT_EQ(kvp_error(record("portcullis.a.b", "1") + record("portcullis.a." + std::string(kvp_key_size - 13, 'k'), "x")),
            "Hyper-V KVP pool: record 1: the key has no NUL terminator");
}

TEST(KvpPool, PartialRecordsAreRefused) {
  const std::string one = record("portcullis.a.b", "1");
  EXPECT_EQ(kvp_error(one + std::string(1, '\0')), "Hyper-V KVP pool: a partial record of 1 bytes at the end");
  EXPECT_EQ(kvp_error(one.substr(0, 100)), "Hyper-V KVP pool: a partial record of 100 bytes at the end");
  EXPECT_EQ(kvp_error(one + one.substr(0, kvp_key_size)), "Hyper-V KVP pool: a partial record of 512 bytes at the end");
}

TEST(KvpPool, AtMost1024Records) {
  std::string pool;
  for (int i = 0; i < 1024; ++i) pool += record("portcullis.a.k" + std::to_string(i), "v");
  EXPECT_EQ(parse_kvp_pool(pool).size(), 1024u);
  EXPECT_EQ(kvp_error(pool + record("x", "y")), "Hyper-V KVP pool: more than 1024 records");
}

TEST(KvpPool, OurValuesMustBeUtf8) {
  EXPECT_EQ(kvp_error(record("portcullis.system.hostname", "mx\xFF")),
            "Hyper-V KVP pool: record 0 (system.hostname): the value is not UTF-8");
  EXPECT_EQ(kvp_error(record("x", "y") + record("portcullis.a.b", "\xED\xA0\x80")),
            "Hyper-V KVP pool: record 1 (a.b): the value is not UTF-8");
  // Other records are not ours to judge.
  EXPECT_TRUE(parse_kvp_pool(record("Other\xFF", "\xFF\xFE")).empty());
}

// --- kernel command line ---------------------------------------------------------------------

TEST(Cmdline, FindsTheParameter) {
  EXPECT_EQ(cmdline_answers("BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f2d6c4e-8a53-4c71-9d8e-2b7f1c0a9e11 "
                            "ro quiet portcullis.answers=/run/portcullis/seed/answers.toml\n"),
            "/run/portcullis/seed/answers.toml");
  EXPECT_EQ(cmdline_answers("portcullis.answers=base64:QQ=="), "base64:QQ==");
  EXPECT_EQ(cmdline_answers("\tro\nportcullis.answers=/a\r\n"), "/a");
  EXPECT_EQ(cmdline_answers("a\vportcullis.answers=/a\fb"), "/a");
}

TEST(Cmdline, AbsentParameter) {
  EXPECT_EQ(cmdline_answers(""), std::nullopt);
  EXPECT_EQ(cmdline_answers("   \n"), std::nullopt);
  EXPECT_EQ(cmdline_answers("root=/dev/sda1 ro quiet\n"), std::nullopt);
  EXPECT_EQ(cmdline_answers("portcullis.answers"), std::nullopt);
  EXPECT_EQ(cmdline_answers("xportcullis.answers=/a"), std::nullopt);
  EXPECT_EQ(cmdline_answers("portcullis.answersx=/a"), std::nullopt);
  EXPECT_EQ(cmdline_answers("portcullis.Answers=/a"), std::nullopt);
  EXPECT_EQ(cmdline_answers("init=/bin/sh portcullis.answer=/a"), std::nullopt);
}

TEST(Cmdline, QuotesGroupAndAreRemoved) {
  EXPECT_EQ(cmdline_answers("ro portcullis.answers=\"/srv/my answers.toml\" quiet"), "/srv/my answers.toml");
  EXPECT_EQ(cmdline_answers("ro \"portcullis.answers=/srv/a b\" quiet"), "/srv/a b");
  EXPECT_EQ(cmdline_answers("portcullis.answers=/a\"b c\"d e"), "/ab cd");
  EXPECT_EQ(cmdline_answers("portcullis.answers=\"\""), "");
  EXPECT_EQ(cmdline_answers("portcullis.answers=\"/open quote to the end\n"), "/open quote to the end\n");
  // Quotes in another word do not swallow the parameter; a quoted space is not a separator.
  EXPECT_EQ(cmdline_answers("dyndbg=\"file x +p\" portcullis.answers=/a"), "/a");
  EXPECT_EQ(cmdline_answers("x=\"a portcullis.answers=/a\""), std::nullopt);
}

TEST(Cmdline, TheLastOccurrenceWins) {
  EXPECT_EQ(cmdline_answers("portcullis.answers=/first ro portcullis.answers=/second quiet"), "/second");
  EXPECT_EQ(cmdline_answers("portcullis.answers=/first portcullis.answers="), "");
  EXPECT_EQ(cmdline_answers("portcullis.answers= portcullis.answers=/second"), "/second");
}

TEST(Cmdline, DoubleDashEndsTheKernelsParameters) {
  EXPECT_EQ(cmdline_answers("ro portcullis.answers=/a -- portcullis.answers=/b"), "/a");
  EXPECT_EQ(cmdline_answers("ro -- portcullis.answers=/b"), std::nullopt);
  EXPECT_EQ(cmdline_answers("ro \"--\" portcullis.answers=/b"), std::nullopt);
  EXPECT_EQ(cmdline_answers("ro --x portcullis.answers=/b"), "/b");
  EXPECT_EQ(cmdline_answers("ro \"-- x\" portcullis.answers=/b"), "/b");
  EXPECT_EQ(cmdline_answers("ro --- portcullis.answers=/b"), "/b");
}

TEST(Cmdline, LengthIsBounded) {
  const std::string filler(max_cmdline_size - 22, 'x');
  EXPECT_EQ(cmdline_answers(filler + " portcullis.answers=/a"), "/a");
  EXPECT_EQ(error_of([&] { cmdline_answers(filler + " portcullis.answers=/ab"); }),
            "kernel command line: longer than 128 KiB");
}

std::string ref_error(const std::string& value) {
  return error_of([&] { decode_answers_ref(value); });
}

const char* const hostname_toml = "[system]\nhostname = \"mx.example.org\"\ntimezone = \"Europe/Berlin\"\n";

TEST(AnswersRef, Base64InlineAnswers) {
  const AnswersRef padded =
      decode_answers_ref("base64:W3N5c3RlbV0KaG9zdG5hbWUgPSAibXguZXhhbXBsZS5vcmciCnRpbWV6b25lID0gIkV1cm9wZS9CZXJsaW4iCg==");
  EXPECT_EQ(padded.kind, AnswersRef::inline_toml);
  EXPECT_EQ(padded.text, hostname_toml);
  const AnswersRef unpadded =
      decode_answers_ref("base64:W3N5c3RlbV0KaG9zdG5hbWUgPSAibXguZXhhbXBsZS5vcmciCnRpbWV6b25lID0gIkV1cm9wZS9CZXJsaW4iCg");
  EXPECT_EQ(unpadded.kind, AnswersRef::inline_toml);
  EXPECT_EQ(unpadded.text, hostname_toml);
}

TEST(AnswersRef, BothAlphabets) {
  const std::string text = "[admin]\npassword = \"\u00fcber>>>Geheim??\"\n";
  for (const char* encoded : {"W2FkbWluXQpwYXNzd29yZCA9ICLDvGJlcj4+PkdlaGVpbT8/Igo=",   // standard
                              "W2FkbWluXQpwYXNzd29yZCA9ICLDvGJlcj4+PkdlaGVpbT8/Igo",    // unpadded
                              "W2FkbWluXQpwYXNzd29yZCA9ICLDvGJlcj4-PkdlaGVpbT8_Igo=",   // URL-safe
                              "W2FkbWluXQpwYXNzd29yZCA9ICLDvGJlcj4-PkdlaGVpbT8_Igo"}) { // unpadded
    const AnswersRef r = decode_answers_ref(std::string("base64:") + encoded);
    EXPECT_EQ(r.kind, AnswersRef::inline_toml) << encoded;
    EXPECT_EQ(r.text, text) << encoded;
  }
  EXPECT_EQ(decode_answers_ref("base64:W2FdCmIgPSAifn4+PyIK").text, "[a]\nb = \"~~>?\"\n");  // no padding needed
  EXPECT_EQ(decode_answers_ref("base64:W2FdCmIgPSAifn4-PyIK").text, "[a]\nb = \"~~>?\"\n");
  EXPECT_EQ(decode_answers_ref("base64:QQ").text, "A");
  EXPECT_EQ(decode_answers_ref("base64:QUI").text, "AB");
  EXPECT_EQ(decode_answers_ref("base64:QUI=").text, "AB");
  EXPECT_EQ(decode_answers_ref("base64:QUJD").text, "ABC");
}

TEST(AnswersRef, BadBase64IsRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"base64:", "base64: without any answers"},
      {"base64:QQ*=", "not a base64 character"},
      {"base64:QU JD", "not a base64 character"},
      {"base64:QUJD\n", "not a base64 character"},
      {"base64:QUJDR", "impossible length"},
      {"base64:QQ=", "padding does not complete a group of four"},
      {"base64:QUJD=", "padding does not complete a group of four"},
      {"base64:QQ===", "too much base64 padding"},
      {"base64:QUJD====", "too much base64 padding"},
      {"base64:QQ==QUJD", "padding before the end"},
      {"base64:=QUJ", "padding before the end"},
      {"base64:QR==", "not canonical"},
      {"base64:QUJ=", "not canonical"},
      {"base64:Pj4+Pz8_", "mixes the standard and URL-safe alphabets"},
      {"base64:/w==", "not UTF-8"},        // 0xFF
      {"base64:wK8=", "not UTF-8"},        // overlong '/'
      {"base64:AA==", "contain a NUL byte"},
      {"base64:QQBC", "contain a NUL byte"},
  };
  for (const auto& [value, reason] : cases) {
    const std::string error = ref_error(value);
    EXPECT_THAT(error, HasSubstr(reason)) << value;
    EXPECT_THAT(error, StartsWith("portcullis.answers: ")) << value;
  }
}

TEST(AnswersRef, InlineAnswersAreAtMost64KiB) {
  // 65536 'A's are 21845 groups of "QUFB" plus "QQ" for the last one.
  std::string encoded;
  for (int i = 0; i < 21845; ++i) encoded += "QUFB";
  EXPECT_EQ(decode_answers_ref("base64:" + encoded + "QQ==").text, std::string(65536, 'A'));
  EXPECT_EQ(ref_error("base64:" + encoded + "QUE="), "portcullis.answers: inline answers larger than 64 KiB");
  EXPECT_EQ(ref_error("base64:" + encoded + encoded), "portcullis.answers: inline answers larger than 64 KiB");
}

TEST(AnswersRef, AbsolutePaths) {
  for (const char* path : {"/run/portcullis/seed/answers.toml", "/a", "/a/..b/c", "/a/b../c", "/a/./b", "/a//b",
                           "/media/cdrom/answers with space.toml"}) {
    const AnswersRef r = decode_answers_ref(path);
    EXPECT_EQ(r.kind, AnswersRef::file) << path;
    EXPECT_EQ(r.text, path);
  }
}

TEST(AnswersRef, OtherValuesAreRefused) {
  const std::pair<std::string, const char*> cases[] = {
      {"", "portcullis.answers: empty"},
      {"answers.toml", "portcullis.answers: expected base64:... or an absolute path"},
      {"./answers.toml", "portcullis.answers: expected base64:... or an absolute path"},
      {"~/answers.toml", "portcullis.answers: expected base64:... or an absolute path"},
      {"http://192.0.2.1/answers.toml", "portcullis.answers: expected base64:... or an absolute path"},
      {"Base64:QQ==", "portcullis.answers: expected base64:... or an absolute path"},
      {"base64 QQ==", "portcullis.answers: expected base64:... or an absolute path"},
      {"/", "portcullis.answers: path names a directory"},
      {"/run/seed/", "portcullis.answers: path names a directory"},
      {"/run/../etc/shadow", "portcullis.answers: path contains '..'"},
      {"/../answers.toml", "portcullis.answers: path contains '..'"},
      {"/run/seed/..", "portcullis.answers: path contains '..'"},
      {std::string("/a\0b", 4), "portcullis.answers: path contains a NUL byte"},
      {"/" + std::string(4096, 'a'), "portcullis.answers: path longer than 4096 bytes"},
  };
  for (const auto& [value, message] : cases) EXPECT_EQ(ref_error(value), message) << value;
  EXPECT_EQ(decode_answers_ref("/" + std::string(4095, 'a')).kind, AnswersRef::file);
}

TEST(AnswersRef, FromACommandLine) {
  const auto value = cmdline_answers(
      "BOOT_IMAGE=/vmlinuz ro console=ttyS0 "
      "portcullis.answers=base64:W3N5c3RlbV0KaG9zdG5hbWUgPSAibXguZXhhbXBsZS5vcmciCnRpbWV6b25lID0gIkV1cm9wZS9CZXJsaW4iCg\n");
  ASSERT_TRUE(value);
  const AnswersRef r = decode_answers_ref(*value);
  EXPECT_EQ(r.kind, AnswersRef::inline_toml);
  EXPECT_EQ(r.text, hostname_toml);
}

}  // namespace
}  // namespace portcullis::firstboot
