#include "tls/mta_sts_policy.hpp"

#include <cctype>

namespace portcullis::tls {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool alnum(std::string_view s) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

// A host name or "*." + host name: labels of letters, digits and hyphens.
bool valid_pattern(std::string_view p) {
  if (p.rfind("*.", 0) == 0) p.remove_prefix(2);
  if (p.empty() || p.size() > 253) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = p.find('.', start);
    const std::string_view label = p.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool parse_max_age(std::string_view v, uint32_t& out) {
  if (v.empty() || v.size() > 10) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > 31557600) return false;
  out = static_cast<uint32_t>(n);
  return true;
}

}  // namespace

std::optional<StsRecord> parse_sts_record(std::string_view txt) {
  std::optional<StsRecord> out;
  bool first = true;
  bool have_id = false;
  StsRecord rec;
  while (!txt.empty()) {
    const std::size_t semi = txt.find(';');
    const std::string_view field = trim(txt.substr(0, semi));
    txt.remove_prefix(semi == std::string_view::npos ? txt.size() : semi + 1);
    if (field.empty()) {
      if (first) return std::nullopt;
      continue;
    }
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = field.substr(0, eq);
    const std::string_view value = field.substr(eq + 1);
    if (first) {
      if (key != "v" || value != "STSv1") return std::nullopt;
      first = false;
      continue;
    }
    if (key == "id") {
      if (have_id || value.empty() || value.size() > 32 || !alnum(value)) return std::nullopt;
      rec.id = std::string(value);
      have_id = true;
    }
  }
  if (first || !have_id) return std::nullopt;
  return rec;
}

std::optional<StsRecord> choose_sts_record(const std::vector<std::string>& txts) {
  std::optional<StsRecord> found;
  int stsv1 = 0;
  for (const auto& t : txts) {
    if (t.rfind("v=STSv1", 0) != 0) continue;  // other TXT records live here too
    ++stsv1;
    found = parse_sts_record(t);
  }
  if (stsv1 != 1) return std::nullopt;
  return found;
}

StsParse parse_sts_policy(std::string_view text) {
  StsParse out;
  if (text.size() > max_sts_policy_size) {
    out.error = "policy larger than 64 KiB";
    return out;
  }
  StsPolicy p;
  bool version = false, mode = false, max_age = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.error = "line " + std::to_string(line_no) + ": expected 'key: value'";
      return out;
    }
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    const auto duplicate = [&](bool& seen) {
      if (seen) out.error = "line " + std::to_string(line_no) + ": " + std::string(key) + " given twice";
      seen = true;
      return !out.error.empty();
    };
    if (key == "version") {
      if (duplicate(version)) return out;
      if (value != "STSv1") {
        out.error = "version is not STSv1";
        return out;
      }
    } else if (key == "mode") {
      if (duplicate(mode)) return out;
      if (value == "enforce") p.mode = StsMode::enforce;
      else if (value == "testing") p.mode = StsMode::testing;
      else if (value == "none") p.mode = StsMode::none;
      else {
        out.error = "mode must be enforce, testing or none";
        return out;
      }
    } else if (key == "max_age") {
      if (duplicate(max_age)) return out;
      if (!parse_max_age(value, p.max_age)) {
        out.error = "max_age must be 0-31557600";
        return out;
      }
    } else if (key == "mx") {
      if (!valid_pattern(value)) {
        out.error = "line " + std::to_string(line_no) + ": invalid mx pattern";
        return out;
      }
      if (p.mx.size() >= 1000) {
        out.error = "too many mx patterns";
        return out;
      }
      p.mx.push_back(lower(value));
    }  // other keys: ignored (extensions)
  }
  if (!version || !mode || !max_age) {
    out.error = "version, mode and max_age are required";
    return out;
  }
  if (p.mode != StsMode::none && p.mx.empty()) {
    out.error = "an enforce or testing policy needs mx patterns";
    return out;
  }
  out.policy = std::move(p);
  return out;
}

bool sts_mx_matches(const StsPolicy& policy, std::string_view mx_host) {
  std::string host = lower(mx_host);
  if (!host.empty() && host.back() == '.') host.pop_back();
  for (const auto& pattern : policy.mx) {
    if (pattern == host) return true;
    if (pattern.rfind("*.", 0) == 0) {
      const std::size_t dot = host.find('.');
      if (dot != std::string::npos && dot > 0 && std::string_view(host).substr(dot) == std::string_view(pattern).substr(1))
        return true;
    }
  }
  return false;
}

}  // namespace portcullis::tls
