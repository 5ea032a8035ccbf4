// checks/spf/record.hpp: record selection and the record parser (RFC 7208 4.5, 4.6.1, 5, 6).
#include "checks/spf/record.hpp"

#include <arpa/inet.h>

#include <array>

#include "checks/spf/macro.hpp"

namespace portcullis::checks::spf {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (lower(a[k]) != lower(b[k])) return false;
  return true;
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ): its length at the start of `term`.
std::size_t name_length(std::string_view term) {
  if (term.empty() || !is_alpha(term[0])) return 0;
  std::size_t k = 1;
  while (k < term.size() && (is_alpha(term[k]) || is_digit(term[k]) || term[k] == '-' || term[k] == '_' ||
                             term[k] == '.'))
    ++k;
  return k;
}

// A CIDR length: "0" or digits without a leading zero, at most `max`.
std::optional<int> cidr_length(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  int value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// ip4-network: four decimal octets, no leading zeros.
std::optional<boost::asio::ip::address> parse_ip4(std::string_view text) {
  std::array<unsigned char, 4> bytes{};
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos]) && pos - start < 4) ++pos;
    const auto value = cidr_length(text.substr(start, pos - start), 255);
    if (!value) return std::nullopt;
    bytes[static_cast<std::size_t>(part)] = static_cast<unsigned char>(*value);
  }
  if (pos != text.size()) return std::nullopt;
  return boost::asio::ip::address(boost::asio::ip::address_v4(bytes));
}

// ip6-network: the text forms of RFC 4291 2.2 (no zone index).
std::optional<boost::asio::ip::address> parse_ip6(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  for (const char c : text)
    if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.')) return std::nullopt;
  const std::string copy(text);
  boost::asio::ip::address_v6::bytes_type bytes{};
  if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) != 1) return std::nullopt;
  return boost::asio::ip::address(boost::asio::ip::address_v6(bytes));
}

// Splits a trailing "/" 1*DIGIT (double_slash: "//" 1*DIGIT) off `s`; returns the digits.
std::optional<std::string_view> split_cidr(std::string_view& s, bool double_slash) {
  std::size_t k = s.size();
  while (k > 0 && is_digit(s[k - 1])) --k;
  if (k == s.size() || k == 0 || s[k - 1] != '/') return std::nullopt;
  if (double_slash && (k < 2 || s[k - 2] != '/')) return std::nullopt;
  const std::string_view digits = s.substr(k);
  s = s.substr(0, double_slash ? k - 2 : k - 1);
  return digits;
}

class Parser {
 public:
  explicit Parser(Record& record) : record_(record) {}

  // An empty string on success, else the reason.
  std::string term(std::string_view term) {
    for (const char c : term) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7e) return "invalid character in '" + printable(term) + "'";
    }
    const std::size_t name = name_length(term);
    if (name > 0 && name < term.size() && term[name] == '=')
      return modifier(term.substr(0, name), term.substr(name + 1), term);
    return mechanism(term);
  }

 private:
  std::string modifier(std::string_view name, std::string_view value, std::string_view term) {
    const bool redirect = iequals(name, "redirect");
    if (redirect || iequals(name, "exp")) {
      auto& slot = redirect ? record_.redirect : record_.explanation;
      if (slot) return "'" + std::string(redirect ? "redirect" : "exp") + "' given twice";
      if (!valid_domain_spec(value)) return "invalid domain in '" + printable(term) + "'";
      slot = std::string(value);
      return {};
    }
    if (!valid_macro_string(value, MacroUse::modifier)) return "invalid macro in '" + printable(term) + "'";
    return {};  // unknown modifiers are ignored (6)
  }

  std::string mechanism(std::string_view term) {
    Directive d;
    d.text = std::string(term);
    std::string_view rest = term;
    switch (rest.empty() ? '\0' : rest[0]) {
      case '+': d.qualifier = Result::pass; rest.remove_prefix(1); break;
      case '-': d.qualifier = Result::fail; rest.remove_prefix(1); break;
      case '~': d.qualifier = Result::softfail; rest.remove_prefix(1); break;
      case '?': d.qualifier = Result::neutral; rest.remove_prefix(1); break;
      default: break;
    }
    const std::size_t end = rest.find_first_of(":/");
    const std::string_view name = rest.substr(0, end);
    std::string_view arg = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    const std::string bad = "invalid term '" + printable(term) + "'";

    if (iequals(name, "all")) {
      if (!arg.empty()) return bad;
      d.mechanism = Mechanism::all;
    } else if (iequals(name, "include") || iequals(name, "exists")) {
      d.mechanism = iequals(name, "include") ? Mechanism::include : Mechanism::exists;
      if (arg.empty() || arg[0] != ':' || !valid_domain_spec(arg.substr(1))) return bad;
      d.domain_spec = std::string(arg.substr(1));
    } else if (iequals(name, "a") || iequals(name, "mx")) {
      d.mechanism = iequals(name, "a") ? Mechanism::a : Mechanism::mx;
      // [ ":" domain-spec ] [ ip4-cidr-length ] [ "//" ip6-cidr-length ], taken from the end.
      if (const auto six = split_cidr(arg, true)) {
        const auto v = cidr_length(*six, 128);
        if (!v) return bad;
        d.cidr6 = *v;
      }
      if (const auto four = split_cidr(arg, false)) {
        const auto v = cidr_length(*four, 32);
        if (!v) return bad;
        d.cidr4 = *v;
      }
      if (!arg.empty()) {
        if (arg[0] != ':' || !valid_domain_spec(arg.substr(1))) return bad;
        d.domain_spec = std::string(arg.substr(1));
      }
    } else if (iequals(name, "ptr")) {
      d.mechanism = Mechanism::ptr;
      if (!arg.empty()) {
        if (arg[0] != ':' || !valid_domain_spec(arg.substr(1))) return bad;
        d.domain_spec = std::string(arg.substr(1));
      }
    } else if (iequals(name, "ip4") || iequals(name, "ip6")) {
      const bool v4 = iequals(name, "ip4");
      d.mechanism = v4 ? Mechanism::ip4 : Mechanism::ip6;
      if (arg.empty() || arg[0] != ':') return bad;
      arg.remove_prefix(1);
      const std::size_t slash = arg.find('/');
      const auto network = v4 ? parse_ip4(arg.substr(0, slash)) : parse_ip6(arg.substr(0, slash));
      if (!network) return bad;
      d.network = *network;
      if (slash != std::string_view::npos) {
        const auto v = cidr_length(arg.substr(slash + 1), v4 ? 32 : 128);
        if (!v) return bad;
        (v4 ? d.cidr4 : d.cidr6) = *v;
      }
    } else {
      return "unknown mechanism in '" + printable(term) + "'";
    }
    record_.directives.push_back(std::move(d));
    return {};
  }

  Record& record_;
};

}  // namespace

std::string_view to_string(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::all: return "all";
    case Mechanism::include: return "include";
    case Mechanism::a: return "a";
    case Mechanism::mx: return "mx";
    case Mechanism::ptr: return "ptr";
    case Mechanism::ip4: return "ip4";
    case Mechanism::ip6: return "ip6";
    case Mechanism::exists: return "exists";
  }
  return "?";
}

bool is_spf_record(std::string_view txt) {
  constexpr std::string_view version = "v=spf1";
  if (txt.size() < version.size() || !iequals(txt.substr(0, version.size()), version)) return false;
  return txt.size() == version.size() || txt[version.size()] == ' ';
}

ParsedRecord parse_record(std::string_view text) {
  ParsedRecord out;
  if (!is_spf_record(text)) {
    out.error = "not an SPF record";
    return out;
  }
  if (text.size() > kMaxRecordLength) {
    out.error = "record longer than " + std::to_string(kMaxRecordLength) + " octets";
    return out;
  }
  Record record;
  Parser parser(record);
  std::size_t pos = 6;  // after "v=spf1"
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string error = parser.term(text.substr(pos, end - pos));
    if (!error.empty()) {
      out.error = std::move(error);
      return out;
    }
    pos = end;
  }
  out.record = std::move(record);
  return out;
}

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u <= 0x7e ? c : '?';
  }
  return out;
}

}  // namespace portcullis::checks::spf
