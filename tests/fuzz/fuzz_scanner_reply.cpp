// The content scanners' pure parsers (checks/clamd/reply, checks/spamd/reply,
// checks/scanner/endpoint) on arbitrary bytes: clamd's INSTREAM reply, spamd's reply in each
// mode, and the admin's endpoint text. Besides not crashing: results are consistent (a parsed
// reply carries no error, a failed one says why), texts are printable and bounded, scores are
// finite, symbols are rule names, and an endpoint's canonical text reads back the same.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/clamd/reply.hpp"
#include "checks/scanner/endpoint.hpp"
#include "checks/spamd/reply.hpp"

namespace {

using namespace portcullis::checks::scanner;

void check_printable(std::string_view text, std::size_t max) {
  if (text.size() > max) __builtin_trap();
  for (const char c : text)
    if (c < 0x20 || c > 0x7e) __builtin_trap();
}

bool rule_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxSymbolLength) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

void check_clamd(std::string_view in) {
  const ClamdReply r = parse_clamd_reply(in);
  check_printable(r.text, 300);
  if (r.text.empty()) __builtin_trap();
  if (r.kind == ClamdReply::Kind::infected) {
    if (r.virus.empty()) __builtin_trap();
    check_printable(r.virus, kMaxVirusName);
    if (in.find("FOUND") == std::string_view::npos) __builtin_trap();
  } else if (!r.virus.empty()) {
    __builtin_trap();
  }
  if (r.kind == ClamdReply::Kind::clean && (in.find("stream:") != 0 || in.find("OK") == std::string_view::npos))
    __builtin_trap();
  if (r.kind != ClamdReply::Kind::error && in.size() > kMaxClamdReply + 1) __builtin_trap();
  (void)is_clamd_pong(in);
}

void check_spamd(std::string_view in, SpamdMode mode) {
  const SpamdReply r = parse_spamd_reply(in, mode);
  if (r.ok) {
    if (r.code != 0 || !r.error.empty()) __builtin_trap();
    if (!std::isfinite(r.score) || !std::isfinite(r.threshold)) __builtin_trap();
    if (std::fabs(r.score) > kMaxSpamdScore || std::fabs(r.threshold) > kMaxSpamdScore) __builtin_trap();
    if (in.size() > kMaxSpamdReply) __builtin_trap();
    if (r.symbols.size() > kMaxSymbols) __builtin_trap();
    for (const auto& s : r.symbols)
      if (!rule_name(s)) __builtin_trap();
    if (mode != SpamdMode::symbols && !r.symbols.empty()) __builtin_trap();
    if (mode != SpamdMode::report && !r.report.empty()) __builtin_trap();
    if (r.report.size() > in.size()) __builtin_trap();
  } else {
    if (r.error.empty()) __builtin_trap();
    check_printable(r.error, 400);
    if (!r.symbols.empty() || !r.report.empty()) __builtin_trap();
    if (r.code < -1 || r.code > 999) __builtin_trap();
  }
  (void)is_spamd_pong(in);
}

void check_endpoint(std::string_view in) {
  const ParsedEndpoint p = parse_endpoint(in);
  if (p.endpoint.has_value() == !p.error.empty()) __builtin_trap();
  check_printable(p.error, 400);
  if (!p.endpoint) return;
  const Endpoint& e = *p.endpoint;
  if (e.kind == Endpoint::Kind::unix_socket) {
    if (e.path.empty() || e.path[0] != '/' || e.path.size() > kMaxUnixPath) __builtin_trap();
  } else if (e.port == 0) {
    __builtin_trap();
  }
  const std::string canonical = to_string(e);
  const ParsedEndpoint again = parse_endpoint(canonical);
  if (!again.endpoint || to_string(*again.endpoint) != canonical) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_clamd(in);
  for (const SpamdMode mode : {SpamdMode::check, SpamdMode::symbols, SpamdMode::report}) check_spamd(in, mode);
  check_endpoint(in);
  // The same bytes behind a valid start, to get past the first checks more often.
  check_spamd("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6.5 / 5.0\r\n" + std::string(in), SpamdMode::symbols);
  check_clamd("stream: " + std::string(in));
  check_endpoint("tcp:" + std::string(in));
  return 0;
}
