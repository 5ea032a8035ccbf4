// The attachment rules. See rules.hpp.
#include "checks/attachments/rules.hpp"

#include <algorithm>

#include "checks/attachments/real_type.hpp"

namespace portcullis::checks::attachments {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The names to check for one name: itself, and cut before its first control octet.
std::vector<std::string_view> variants(std::string_view name) {
  std::vector<std::string_view> out{name};
  const auto ctl = std::find_if(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
  if (ctl != name.end()) out.push_back(name.substr(0, static_cast<std::size_t>(ctl - name.begin())));
  return out;
}

struct NameVerdict {
  std::string symbol;  // "" = nothing
  std::string reason;
};

NameVerdict judge_name(std::string_view name, const Rules& rules) {
  for (const std::string_view v : variants(name)) {
    const std::vector<std::string> ext = extensions(v);
    if (ext.empty()) continue;
    const bool blocked = contains(rules.blocked_extensions, ext[0]);
    const bool dangerous = blocked || contains(default_blocked_extensions(), ext[0]);
    const bool decoy =
        ext.size() >= 2 && std::find(kDecoyExtensions.begin(), kDecoyExtensions.end(), ext[1]) != kDecoyExtensions.end();
    if (rules.block_double_extensions && dangerous && decoy)
      return {"ATTACHMENT_DOUBLE_EXT", "double extension ." + ext[1] + "." + ext[0]};
    if (blocked) return {"ATTACHMENT_EXT", "extension ." + ext[0]};
  }
  return {};
}

void add(std::vector<Finding>& out, std::size_t part, std::string filename, std::string reason, std::string symbol) {
  for (const Finding& f : out)
    if (f.part == part && f.symbol == symbol) return;
  out.push_back(Finding{part, std::move(filename), std::move(reason), std::move(symbol)});
}

}  // namespace

const std::vector<std::string_view> kDecoyExtensions = {
    "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "odt", "ods", "odp", "rtf", "txt",
    "csv", "htm", "html", "xml", "eml", "msg", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "svg",
    "mp3", "mp4", "wav", "avi", "mov", "wmv", "zip", "rar", "7z",  "gz",  "tar", "ics", "vcf"};

const std::vector<std::string>& default_blocked_extensions() {
  static const std::vector<std::string> list = {
      "exe",    "com",   "scr",         "pif",         "bat",         "cmd",          "vb",         "vbs",
      "vbe",    "js",    "jse",         "wsf",         "wsh",         "wsc",          "sct",        "hta",
      "msi",    "msp",   "mst",         "msc",         "cpl",         "dll",          "ocx",        "sys",
      "jar",    "jnlp",  "ps1",         "psm1",        "psd1",        "ps1xml",       "ps2",        "ps2xml",
      "psc1",   "psc2",  "lnk",         "url",         "scf",         "inf",          "reg",        "iso",
      "img",    "vhd",   "vhdx",        "chm",         "hlp",         "gadget",       "application", "appx",
      "appxbundle", "msix", "msixbundle", "appref-ms", "settingcontent-ms", "library-ms", "xll", "xbap",
      "ade",    "adp",   "mde",         "shb",         "shs",         "bas"};
  return list;
}

Rules default_rules() {
  Rules r;
  r.blocked_extensions = default_blocked_extensions();
  return r;
}

std::string windows_name(std::string_view name) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  while (!name.empty() && (name.back() == '.' || is_space(name.back()))) name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = lower(c);
  return out;
}

std::vector<std::string> extensions(std::string_view name) {
  const std::string n = windows_name(name);
  std::vector<std::string> out;
  std::string_view rest = n;
  for (int k = 0; k < 2; ++k) {
    const auto dot = rest.rfind('.');
    if (dot == std::string_view::npos) break;
    std::string_view ext = rest.substr(dot + 1);
    while (!ext.empty() && is_space(ext.back())) ext.remove_suffix(1);  // "a.pdf  .exe"
    if (ext.empty()) break;
    out.emplace_back(ext);
    rest = rest.substr(0, dot);
  }
  return out;
}

std::vector<Finding> check(const std::vector<mail::MimePart>& parts, const Rules& rules) {
  std::vector<Finding> out;
  for (const mail::MimePart& p : parts) {
    for (const std::string& name : p.names) {  // multiparts too: a reader may take the part as a file
      NameVerdict v = judge_name(name, rules);
      if (!v.symbol.empty()) add(out, p.index, name, std::move(v.reason), std::move(v.symbol));
    }
    if (rules.block_executables_by_type && !p.is_container()) {
      const std::string_view type = real_type(p.head);
      if (executable_type(type))
        add(out, p.index, p.filename, "executable content (" + std::string(type) + ")", "ATTACHMENT_TYPE");
    }
    if (p.archive) {
      if (rules.scan_archives) {
        for (const std::string& member : p.archive_names) {
          if (!judge_name(member, rules).symbol.empty()) {
            add(out, p.index, p.filename, "zip member " + member, "ATTACHMENT_ZIP");
            break;
          }
        }
      }
      if (rules.block_encrypted_archives && p.archive_encrypted)
        add(out, p.index, p.filename, "encrypted archive", "ATTACHMENT_ZIP_ENCRYPTED");
      if (rules.block_unchecked && p.archive_truncated)
        add(out, p.index, p.filename, "archive listing incomplete", "ATTACHMENT_LIMITS");
    }
  }
  return out;
}

std::vector<Finding> check(const mail::MimeParser& parser, const Rules& rules) {
  std::vector<Finding> out = check(parser.parts(), rules);
  const bool listed = std::any_of(out.begin(), out.end(),
                                  [](const Finding& f) { return f.part == 0 && f.symbol == "ATTACHMENT_LIMITS"; });
  if (rules.block_unchecked && parser.truncated() && !listed)
    out.insert(out.begin(), Finding{0, "", "MIME structure beyond the parser's limits", "ATTACHMENT_LIMITS"});
  return out;
}

}  // namespace portcullis::checks::attachments
