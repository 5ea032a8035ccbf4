// manifest.toml: the round trip, and every rule refused with its field named.
#include "bundle/manifest.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace portcullis::upgrade {
namespace {

const std::string hex_a(64, 'a');
const std::string hex_b(64, 'b');
const std::string hex_c(64, 'c');

BundleFile file(std::string name, std::string role, std::uint64_t size, std::string sha) {
  BundleFile f;
  f.name = std::move(name);
  f.role = std::move(role);
  f.size = size;
  f.sha256 = std::move(sha);
  return f;
}

Manifest sample() {
  Manifest m;
  m.version = "0.2.0";
  m.from = {"0.1.*", "0.1.0"};
  m.debian = "12";
  m.schema = 5;
  m.created = "2026-11-23T20:00:00Z";
  m.files = {file("portcullis_0.2.0_amd64.deb", "package", 12345, hex_a),
             file("provisioning.tar", "provisioning", 0, hex_b), file("010-rename-key", "migration", 77, hex_c)};
  return m;
}

const char* const sample_text =
    "format = 1\n"
    "product = \"portcullis\"\n"
    "version = \"0.2.0\"\n"
    "from = [\"0.1.*\", \"0.1.0\"]\n"
    "debian = \"12\"\n"
    "schema = 5\n"
    "created = \"2026-11-23T20:00:00Z\"\n"
    "\n[[file]]\nname = \"portcullis_0.2.0_amd64.deb\"\nrole = \"package\"\nsize = 12345\nsha256 = \"";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BundleError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BundleManifest, SerializesDeterministicallyAndRoundTrips) {
  const Manifest m = sample();
  const std::string text = serialize_manifest(m);
  EXPECT_EQ(text.rfind(sample_text, 0), 0u) << text;
  EXPECT_EQ(serialize_manifest(m), text);
  const Manifest back = parse_manifest(text);
  EXPECT_EQ(back, m);
  EXPECT_EQ(serialize_manifest(back), text);
}

TEST(BundleManifest, ParsesHandWrittenTomlWithCommentsAndOtherLayout) {
  const std::string text =
      "# release 0.2.0\n"
      "format = 1\nproduct = 'portcullis'\nversion = \"0.2.0\"\nfrom = [\n  \"0.1.*\",\n]\n"
      "debian = \"13\"\nschema = 5\ncreated = \"2026-11-23T20:00:00Z\"\n"
      "[[file]]\nsha256 = \"" + hex_a + "\"  # order of keys is free\nsize = 1\nrole = \"package\"\nname = \"p.deb\"\n";
  const Manifest m = parse_manifest(text);
  EXPECT_EQ(m.from, std::vector<std::string>{"0.1.*"});
  EXPECT_EQ(m.debian, "13");
  EXPECT_EQ(m.package().name, "p.deb");
  EXPECT_EQ(m.package().size, 1u);
}

TEST(BundleManifest, Helpers) {
  const Manifest m = sample();
  EXPECT_EQ(m.package().name, "portcullis_0.2.0_amd64.deb");
  ASSERT_EQ(m.by_role("migration").size(), 1u);
  EXPECT_EQ(m.by_role("migration")[0]->name, "010-rename-key");
  EXPECT_EQ(m.by_role("provisioning").size(), 1u);
  EXPECT_TRUE(m.by_role("other").empty());
  Manifest none;
  EXPECT_THROW(none.package(), BundleError);
}

TEST(BundleManifest, EveryRuleNamesItsField) {
  struct Case {
    std::function<void(Manifest&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](Manifest& m) { m.format = 2; }, "manifest: format: unsupported format 2"},
      {[](Manifest& m) { m.product = "hermes"; }, "manifest: product: expected \"portcullis\""},
      {[](Manifest& m) { m.version = "0.2.0-rc1"; }, "manifest: version: not a version"},
      {[](Manifest& m) { m.version = ""; }, "manifest: version: not a version"},
      {[](Manifest& m) { m.from.clear(); }, "manifest: from: at least one version"},
      {[](Manifest& m) { m.from = {"0.1.*", "*"}; }, "manifest: from[1]: not a version or a version prefix"},
      {[](Manifest& m) { m.from = {"0.1.x"}; }, "manifest: from[0]: not a version"},
      {[](Manifest& m) { m.from = {"0.1.0", "0.1.0"}; }, "manifest: from[1]: duplicate"},
      {[](Manifest& m) { m.debian = ""; }, "manifest: debian: expected a Debian major release number"},
      {[](Manifest& m) { m.debian = "bookworm"; }, "manifest: debian: expected a Debian major release"},
      {[](Manifest& m) { m.debian = "12.5"; }, "manifest: debian: expected a Debian major release"},
      {[](Manifest& m) { m.debian = "012"; }, "manifest: debian: expected a Debian major release"},
      {[](Manifest& m) { m.schema = 0; }, "manifest: schema: must be an integer >= 1"},
      {[](Manifest& m) { m.created = "2026-11-23 20:00:00Z"; }, "manifest: created: expected a UTC time"},
      {[](Manifest& m) { m.created = "2026-11-23T20:00:00+01:00"; }, "manifest: created:"},
      {[](Manifest& m) { m.created = "2026-02-30T20:00:00Z"; }, "manifest: created:"},
      {[](Manifest& m) { m.created = "2026-11-23T24:00:00Z"; }, "manifest: created:"},
      {[](Manifest& m) { m.created = "1969-12-31T23:59:59Z"; }, "manifest: created:"},
      {[](Manifest& m) { m.files.clear(); }, "manifest: file: exactly one file with role \"package\" is required (found 0)"},
      {[](Manifest& m) { m.files.push_back(file("b.deb", "package", 1, hex_a)); },
       "manifest: file: exactly one file with role \"package\" is required (found 2)"},
      {[](Manifest& m) { m.files.push_back(file("b.tar", "provisioning", 1, hex_a)); },
       "manifest: file: at most one file with role \"provisioning\""},
      {[](Manifest& m) { m.files[0].name = "p.rpm"; }, "manifest: file[0].name: a package must be a .deb"},
      {[](Manifest& m) { m.files[1].name = "p.tgz"; }, "manifest: file[1].name: a provisioning archive must be a .tar"},
      {[](Manifest& m) { m.files[2].role = "script"; }, "manifest: file[2].role: expected \"package\""},
      {[](Manifest& m) { m.files[2].name = "../x"; }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = "a/b"; }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = ".hidden"; }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = ""; }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = "a b"; }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = "a\"b"; }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = std::string(101, 'x'); }, "manifest: file[2].name: not a plain file name"},
      {[](Manifest& m) { m.files[2].name = "manifest.sig"; }, "manifest: file[2].name: reserved name"},
      {[](Manifest& m) { m.files[2].name = "provisioning.tar"; }, "manifest: file[2].name: same name as file[1]"},
      {[](Manifest& m) { m.files[2].sha256 = std::string(64, 'A'); }, "manifest: file[2].sha256: not 64 lowercase hex"},
      {[](Manifest& m) { m.files[2].sha256 = std::string(63, 'a'); }, "manifest: file[2].sha256: not 64 lowercase hex"},
      {[](Manifest& m) { m.files[2].sha256 = std::string(64, 'g'); }, "manifest: file[2].sha256: not 64 lowercase hex"},
      {[](Manifest& m) { m.files[2].size = (2ULL << 30) + 1; }, "manifest: file[2].size: larger than 2 GiB"},
      {[](Manifest& m) { m.files[0].size = 1ULL << 30, m.files[2].size = (1ULL << 30) + 1; },
       "manifest: file[2].size: the files add up"},
  };
  for (const auto& c : cases) {
    Manifest m = sample();
    c.change(m);
    const std::string got = error_of([&] { validate(m); });
    EXPECT_EQ(got.rfind(c.message, 0), 0u) << "expected: " << c.message << "\n     got: " << got;
    EXPECT_EQ(error_of([&] { serialize_manifest(m); }), got);
  }
  // The 100-character limit is inclusive, and '+', '_', '-' are allowed.
  Manifest m = sample();
  m.files[2].name = std::string(98, 'x') + "+_";
  EXPECT_NO_THROW(validate(m));
}

// Edits the TOML text of the sample; each must fail naming the key.
TEST(BundleManifest, StructureErrorsNameTheKey) {
  const std::string good = serialize_manifest(sample());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {good + "extra = 1\n", "manifest: file[2].extra: unknown key"},
      {"signer = \"me\"\n" + good, "manifest: signer: unknown key"},
      {replaced("role = \"package\"\n", "role = \"package\"\nmode = 420\n"), "manifest: file[0].mode: unknown key"},
      {replaced("format = 1\n", ""), "manifest: format: missing"},
      {replaced("format = 1\n", "format = 7\n"), "manifest: format: unsupported format 7"},
      {replaced("format = 1\n", "format = \"1\"\n"), "manifest: format: expected an integer"},
      {replaced("version = \"0.2.0\"\n", "version = 2\n"), "manifest: version: expected a string"},
      {replaced("from = [\"0.1.*\", \"0.1.0\"]", "from = \"0.1.*\""), "manifest: from: expected an array of strings"},
      {replaced("from = [\"0.1.*\", \"0.1.0\"]", "from = [\"0.1.*\", 1]"), "manifest: from[1]: expected a string"},
      {replaced("from = [\"0.1.*\", \"0.1.0\"]", "from = []"), "manifest: from: at least one version"},
      {replaced("debian = \"12\"\n", ""), "manifest: debian: missing"},
      {replaced("debian = \"12\"", "debian = 12"), "manifest: debian: expected a string"},
      {replaced("schema = 5", "schema = -5"), "manifest: schema: must be an integer >= 1"},
      {replaced("schema = 5", "schema = 99999999999"), "manifest: schema: must be an integer >= 1"},
      {replaced("created = \"2026-11-23T20:00:00Z\"", "created = 2026-11-23T20:00:00Z"),
       "manifest: created: expected a string"},
      {replaced("size = 12345", "size = -1"), "manifest: file[0].size: must not be negative"},
      {replaced("size = 12345", "size = 1.5"), "manifest: file[0].size: expected an integer"},
      {replaced("sha256 = \"" + hex_a + "\"\n", ""), "manifest: file[0].sha256: missing"},
      {good.substr(0, good.find("\n[[file]]")), "manifest: file: missing"},
      {good.substr(0, good.find("\n[[file]]")) + "file = 3\n", "manifest: file: expected [[file]] tables"},
      {good.substr(0, good.find("\n[[file]]")) + "file = [3]\n", "manifest: file[0]: expected a [[file]] table"},
      {"version = \"0.3.0\"\n" + good, "manifest: not valid TOML"},
      {"format = 1\nproduct = \"portcullis\n", "manifest: not valid TOML"},
      {std::string("format = 1\0", 11), "manifest: not valid TOML"},
      {good + "#" + std::string(64 * 1024, 'x') + "\n", "manifest: larger than 64 KiB"},
      // toml11 3.7 overflows a heap buffer on invalid UTF-8 in literal strings: only ASCII is read.
      {"a = '''\xe0\xe0'''\n" + good, "manifest: non-ASCII octet at offset 7"},
      {"a = 'x\xff'\n" + good, "manifest: non-ASCII octet at offset 6"},
      {good + "# caf\xc3\xa9\n", "manifest: non-ASCII octet at offset"},
      // Deep nesting would overflow toml11's recursive parser: refused before it runs.
      {"a = " + std::string(20000, '['), "manifest: arrays or tables nested more than 8 deep"},
      {"a = [\"#\", " + std::string(20000, '['), "manifest: arrays or tables nested more than 8 deep"},
      {"a = [\"\"\"x\"\"\"\", " + std::string(20000, '['), "manifest: arrays or tables nested more than 8 deep"},
      {"a = ['''x'''', " + std::string(20000, '['), "manifest: arrays or tables nested more than 8 deep"},
      {"a = [\"\\\"\", " + std::string(20000, '['), "manifest: arrays or tables nested more than 8 deep"},
      {[] {
         std::string t = "a = ";
         for (int i = 0; i < 5000; ++i) t += "{b=";
         return t;
       }(),
       "manifest: arrays or tables nested more than 8 deep"},
      // Brackets in comments and strings do not count.
      {good + "# [[[[[[[[[[[[[[[[[[[[ }}}}}}}}}}}}}\n", "manifest: no error"},
      {"x = \"[[[[[[[[[[[[[[[[[\"\n" + good, "manifest: x: unknown key"},
      {"x = '[[[[[[[[[[[[[[[[['\n" + good, "manifest: x: unknown key"},
      {"x = \"\"\"\n[[[[[[[[[[[[[\n[[[[[[[[[[\"\"\"\"\"\n" + good, "manifest: x: unknown key"},
  };
  for (const auto& c : cases) {
    std::string got = error_of([&] { parse_manifest(c.text); });
    if (got == "(no error)") got = "manifest: no error";
    EXPECT_EQ(got.rfind(c.message, 0), 0u) << "expected: " << c.message << "\n     got: " << got;
  }
}

TEST(BundleManifest, Timestamps) {
  EXPECT_EQ(parse_utc_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_utc_timestamp("2026-11-23T20:00:00Z"), 1795464000);
  EXPECT_EQ(parse_utc_timestamp("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_FALSE(parse_utc_timestamp("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_utc_timestamp("2026-11-23T20:00:00"));
  EXPECT_FALSE(parse_utc_timestamp("2026-11-23T20:00:00.5Z"));
  EXPECT_FALSE(parse_utc_timestamp("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_utc_timestamp("2026-11-23t20:00:00z"));
}

}  // namespace
}  // namespace portcullis::upgrade
