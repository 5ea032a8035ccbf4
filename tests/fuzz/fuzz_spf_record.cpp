// The SPF record parser and the macro expander (checks/spf/record, checks/spf/macro) on
// arbitrary bytes. Besides not crashing: a parsed record holds only what its grammar allows
// (valid domain-specs, CIDR lengths in range, terms taken from the input), errors are
// printable and short, expansion agrees with the syntax check and stays within its bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/spf/macro.hpp"
#include "checks/spf/record.hpp"

namespace {

using namespace portcullis::checks::spf;

void check_record(std::string_view text) {
  const ParsedRecord parsed = parse_record(text);
  if (parsed.record.has_value() == !parsed.error.empty()) __builtin_trap();
  if (parsed.error.size() > 200) __builtin_trap();
  for (const char c : parsed.error)
    if (c < 0x20 || c > 0x7e) __builtin_trap();
  if (!parsed.record) return;
  if (!is_spf_record(text) || text.size() > kMaxRecordLength) __builtin_trap();
  const Record& r = *parsed.record;
  for (const auto& d : r.directives) {
    if (d.text.empty() || text.find(d.text) == std::string_view::npos) __builtin_trap();
    if (d.cidr4 < 0 || d.cidr4 > 32 || d.cidr6 < 0 || d.cidr6 > 128) __builtin_trap();
    switch (d.mechanism) {
      case Mechanism::include:
      case Mechanism::exists:
        if (!valid_domain_spec(d.domain_spec)) __builtin_trap();
        break;
      case Mechanism::a:
      case Mechanism::mx:
      case Mechanism::ptr:
        if (!d.domain_spec.empty() && !valid_domain_spec(d.domain_spec)) __builtin_trap();
        break;
      case Mechanism::ip4:
        if (!d.network.is_v4()) __builtin_trap();
        break;
      case Mechanism::ip6:
        if (!d.network.is_v6()) __builtin_trap();
        break;
      case Mechanism::all:
        break;
    }
    if (d.qualifier != Result::pass && d.qualifier != Result::fail && d.qualifier != Result::softfail &&
        d.qualifier != Result::neutral)
      __builtin_trap();
  }
  if (r.redirect && !valid_domain_spec(*r.redirect)) __builtin_trap();
  if (r.explanation && !valid_domain_spec(*r.explanation)) __builtin_trap();
}

void check_macros(std::string_view text, const MacroContext& ctx) {
  for (const MacroUse use : {MacroUse::domain, MacroUse::explanation, MacroUse::modifier}) {
    const bool valid = valid_macro_string(text, use);
    const auto out = expand(text, ctx, use);
    if (out && !valid) __builtin_trap();
    if (out && out->size() > kMaxExpansion) __builtin_trap();
  }
  // Whatever the domain syntax accepts, the explanation syntax accepts too.
  if (valid_macro_string(text, MacroUse::domain) && !valid_macro_string(text, MacroUse::explanation)) __builtin_trap();
  if (valid_domain_spec(text) && !valid_macro_string(text, MacroUse::domain)) __builtin_trap();
  if (const auto name = expand_domain(text, ctx)) {
    if (name->size() > kMaxExpansion) __builtin_trap();
    // Cut to 253 octets unless a single label is longer by itself.
    if (name->size() > kMaxDomainLength && name->find('.') != std::string::npos) __builtin_trap();
  }
  (void)uses_macro_letter(text, 'p');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)is_spf_record(in);
  check_record(in);
  check_record("v=spf1 " + std::string(in));

  MacroContext ctx;
  ctx.local = std::string(in.substr(0, 64));  // strange local parts go through the transformers
  ctx.sender_domain = "email.example.com";
  ctx.sender = ctx.local + "@" + ctx.sender_domain;
  ctx.domain = "sub.email.example.com";
  ctx.ip = size % 2 ? boost::asio::ip::make_address("2001:db8::cb01") : boost::asio::ip::make_address("192.0.2.3");
  ctx.helo = std::string(in.substr(0, 32));
  ctx.receiver = size % 3 ? "mx.receiver.example" : "";
  ctx.validated_name = size % 5 ? "mail.example.com" : "";
  ctx.now = static_cast<std::int64_t>(size) * 1000003;
  check_macros(in, ctx);
  return 0;
}
