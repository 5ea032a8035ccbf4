#include "bundle/manifest.hpp"

#include <algorithm>
#include <climits>
#include <set>
#include <sstream>
#include <toml.hpp>

#include "bundle/version.hpp"
#include "core/toml_guard.hpp"

namespace portcullis::upgrade {
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw BundleError("manifest: " + field + ": " + what);
}

bool lower_hex(std::string_view s, std::size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// --- reading toml11 values, each error naming its field ---

const toml::value& require(const toml::value& table, const std::string& key, const std::string& field) {
  const auto& t = table.as_table();
  const auto it = t.find(key);
  if (it == t.end()) fail(field, "missing");
  return it->second;
}

void no_unknown_keys(const toml::value& table, std::initializer_list<const char*> known, const std::string& prefix) {
  std::set<std::string> unknown;  // sorted, so the error is the same whatever the hash order
  for (const auto& entry : table.as_table()) {
    const std::string& key = entry.first;
    if (std::none_of(known.begin(), known.end(), [&](const char* n) { return key == n; })) unknown.insert(key);
  }
  if (!unknown.empty()) fail(prefix + *unknown.begin(), "unknown key");
}

std::string get_string(const toml::value& table, const std::string& key, const std::string& field) {
  const auto& v = require(table, key, field);
  if (!v.is_string()) fail(field, "expected a string");
  return v.as_string().str;
}

std::int64_t get_integer(const toml::value& table, const std::string& key, const std::string& field) {
  const auto& v = require(table, key, field);
  if (!v.is_integer()) fail(field, "expected an integer");
  return v.as_integer();
}

BundleFile read_file_entry(const toml::value& entry, const std::string& field) {
  if (!entry.is_table()) fail(field, "expected a [[file]] table");
  no_unknown_keys(entry, {"name", "role", "size", "sha256"}, field + ".");
  BundleFile f;
  f.name = get_string(entry, "name", field + ".name");
  f.role = get_string(entry, "role", field + ".role");
  const std::int64_t size = get_integer(entry, "size", field + ".size");
  if (size < 0) fail(field + ".size", "must not be negative");
  f.size = static_cast<std::uint64_t>(size);
  f.sha256 = get_string(entry, "sha256", field + ".sha256");
  return f;
}

// --- validation of the semantic rules (shared by parse and serialize) ---

bool valid_time(int year, int month, int day, int hour, int minute, int second) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= days[month - 1] + (month == 2 && leap ? 1 : 0);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void validate_file(const BundleFile& f, const std::string& field) {
  if (!plain_file_name(f.name))
    fail(field + ".name", "not a plain file name (1-100 characters of A-Z a-z 0-9 . _ + -, not starting with '.')");
  if (f.name == "manifest.toml" || f.name == "manifest.sig") fail(field + ".name", "reserved name");
  if (f.role == "package") {
    if (!ends_with(f.name, ".deb")) fail(field + ".name", "a package must be a .deb");
  } else if (f.role == "provisioning") {
    if (!ends_with(f.name, ".tar")) fail(field + ".name", "a provisioning archive must be a .tar");
  } else if (f.role != "migration") {
    fail(field + ".role", "expected \"package\", \"provisioning\" or \"migration\"");
  }
  if (f.size > max_bundle_size) fail(field + ".size", "larger than 2 GiB");
  if (!lower_hex(f.sha256, 64)) fail(field + ".sha256", "not 64 lowercase hex digits");
}

}  // namespace

bool plain_file_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '+' || c == '-';
  });
}

std::optional<std::int64_t> parse_utc_timestamp(std::string_view s) {
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != shape.size()) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return std::nullopt;
  const auto num = [&](std::size_t pos, std::size_t len) {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (s[i] - '0');
    return n;
  };
  const int year = num(0, 4), month = num(5, 2), day = num(8, 2);
  const int hour = num(11, 2), minute = num(14, 2), second = num(17, 2);
  if (!valid_time(year, month, day, hour, minute, second)) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

const BundleFile& Manifest::package() const {
  for (const auto& f : files)
    if (f.role == "package") return f;
  throw BundleError("manifest: no file with role \"package\"");
}

std::vector<const BundleFile*> Manifest::by_role(std::string_view role) const {
  std::vector<const BundleFile*> out;
  for (const auto& f : files)
    if (f.role == role) out.push_back(&f);
  return out;
}

void validate(const Manifest& m) {
  if (m.format != manifest_format)
    fail("format", "unsupported format " + std::to_string(m.format) + " (this tool reads format 1)");
  if (m.product != "portcullis") fail("product", "expected \"portcullis\"");
  if (!parse_version(m.version)) fail("version", "not a version such as \"0.2.0\"");
  if (m.from.empty()) fail("from", "at least one version to upgrade from is required");
  for (std::size_t i = 0; i < m.from.size(); ++i) {
    const std::string field = "from[" + std::to_string(i) + "]";
    if (!from_pattern_valid(m.from[i])) fail(field, "not a version or a version prefix ending in \".*\"");
    if (std::find(m.from.begin(), m.from.begin() + static_cast<std::ptrdiff_t>(i), m.from[i]) !=
        m.from.begin() + static_cast<std::ptrdiff_t>(i))
      fail(field, "duplicate");
  }
  if (m.debian.empty() || m.debian.size() > 3 || m.debian.front() == '0' ||
      !std::all_of(m.debian.begin(), m.debian.end(), [](char c) { return c >= '0' && c <= '9'; }))
    fail("debian", "expected a Debian major release number such as \"12\"");
  if (m.schema < 1) fail("schema", "must be an integer >= 1");
  if (!parse_utc_timestamp(m.created)) fail("created", "expected a UTC time such as \"2026-11-23T20:00:00Z\"");

  std::uint64_t total = 0;
  std::size_t packages = 0, provisioning = 0;
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const BundleFile& f = m.files[i];
    const std::string field = "file[" + std::to_string(i) + "]";
    validate_file(f, field);
    for (std::size_t j = 0; j < i; ++j)
      if (m.files[j].name == f.name) fail(field + ".name", "same name as file[" + std::to_string(j) + "]");
    total += f.size;  // each <= 2 GiB, so no overflow
    if (total > max_bundle_size) fail(field + ".size", "the files add up to more than 2 GiB");
    packages += f.role == "package";
    provisioning += f.role == "provisioning";
  }
  if (packages != 1)
    fail("file", "exactly one file with role \"package\" is required (found " + std::to_string(packages) + ")");
  if (provisioning > 1) fail("file", "at most one file with role \"provisioning\" is allowed");
}

Manifest parse_manifest(std::string_view text) {
  if (text.size() > max_manifest_size) throw BundleError("manifest: larger than 64 KiB");
  // ASCII only: every value the manifest may hold is ASCII, and toml11 3.7 overflows a heap buffer
  // reporting invalid UTF-8 inside a '...' or '''...''' string (parser.hpp, inner_loc.reset).
  for (std::size_t i = 0; i < text.size(); ++i)
    if (static_cast<unsigned char>(text[i]) >= 0x80)
      throw BundleError("manifest: non-ASCII octet at offset " + std::to_string(i));
  // toml11 parses nested arrays and inline tables recursively: a manifest needs depth 2 at
  // most, deeper text is refused before toml11 sees it (core/toml_guard.hpp).
  if (core::toml_nesting_exceeded(text, 8)) throw BundleError("manifest: arrays or tables nested more than 8 deep");
  toml::value root;
  try {
    std::istringstream in{std::string(text)};
    root = toml::parse(in, "manifest.toml");
  } catch (const std::exception& e) {
    throw BundleError(std::string("manifest: not valid TOML: ") + e.what());
  }
  if (!root.is_table()) throw BundleError("manifest: not a TOML table");
  no_unknown_keys(root, {"format", "product", "version", "from", "debian", "schema", "created", "file"}, "");

  Manifest m;
  const std::int64_t format = get_integer(root, "format", "format");
  if (format != manifest_format)
    fail("format", "unsupported format " + std::to_string(format) + " (this tool reads format 1)");
  m.format = manifest_format;
  m.product = get_string(root, "product", "product");
  m.version = get_string(root, "version", "version");
  const auto& from = require(root, "from", "from");
  if (!from.is_array()) fail("from", "expected an array of strings");
  for (std::size_t i = 0; i < from.as_array().size(); ++i) {
    const auto& item = from.as_array()[i];
    if (!item.is_string()) fail("from[" + std::to_string(i) + "]", "expected a string");
    m.from.push_back(item.as_string().str);
  }
  m.debian = get_string(root, "debian", "debian");
  const std::int64_t schema = get_integer(root, "schema", "schema");
  if (schema < 1 || schema > INT_MAX) fail("schema", "must be an integer >= 1");
  m.schema = static_cast<int>(schema);
  m.created = get_string(root, "created", "created");
  const auto& files = require(root, "file", "file");
  if (!files.is_array()) fail("file", "expected [[file]] tables");
  for (std::size_t i = 0; i < files.as_array().size(); ++i)
    m.files.push_back(read_file_entry(files.as_array()[i], "file[" + std::to_string(i) + "]"));
  validate(m);
  return m;
}

std::string serialize_manifest(const Manifest& m) {
  // validate() first: it restricts every string to characters that need no TOML escaping.
  validate(m);
  std::string out;
  out += "format = " + std::to_string(m.format) + "\n";
  out += "product = \"" + m.product + "\"\n";
  out += "version = \"" + m.version + "\"\n";
  out += "from = [";
  for (std::size_t i = 0; i < m.from.size(); ++i) out += (i ? ", \"" : "\"") + m.from[i] + "\"";
  out += "]\n";
  out += "debian = \"" + m.debian + "\"\n";
  out += "schema = " + std::to_string(m.schema) + "\n";
  out += "created = \"" + m.created + "\"\n";
  for (const auto& f : m.files) {
    out += "\n[[file]]\n";
    out += "name = \"" + f.name + "\"\n";
    out += "role = \"" + f.role + "\"\n";
    out += "size = " + std::to_string(f.size) + "\n";
    out += "sha256 = \"" + f.sha256 + "\"\n";
  }
  return out;
}

}  // namespace portcullis::upgrade
