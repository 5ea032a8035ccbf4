#include "cli/args.hpp"

#include <algorithm>
#include <ostream>

#include <boost/asio/ip/address.hpp>

#include "mail/address.hpp"

namespace portcullis::cli {
namespace ip = boost::asio::ip;

std::optional<std::string> Parsed::option(const std::string& name) const {
  const auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

Parsed parse_options(const std::vector<std::string>& words, std::initializer_list<std::string_view> value_options) {
  Parsed parsed;
  bool options_done = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (options_done || !word.starts_with("--")) {
      parsed.positional.push_back(word);
      continue;
    }
    if (word == "--") {
      options_done = true;
      continue;
    }
    const auto eq = word.find('=');
    const std::string name = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (std::find(value_options.begin(), value_options.end(), name) == value_options.end())
      throw UsageError("unknown option --" + name);
    if (parsed.options.contains(name)) throw UsageError("option --" + name + " given twice");
    if (eq != std::string::npos) {
      parsed.options[name] = word.substr(eq + 1);
    } else {
      if (i + 1 >= words.size()) throw UsageError("option --" + name + " needs a value");
      parsed.options[name] = words[++i];
    }
  }
  return parsed;
}

void expect_positionals(const Parsed& parsed, std::size_t min, std::size_t max, const std::string& synopsis) {
  const std::size_t n = parsed.positional.size();
  if (n < min) throw UsageError("missing argument: usage: portcullis " + synopsis);
  if (n > max)
    throw UsageError("unexpected argument '" + parsed.positional[max] + "': usage: portcullis " + synopsis);
}

std::string take_subcommand(std::vector<std::string>& args, const std::string& group) {
  if (args.empty()) throw UsageError(group + ": missing subcommand (see 'portcullis help " + group + "')");
  std::string sub = args.front();
  args.erase(args.begin());
  return sub;
}

namespace {

uint16_t parse_port(std::string_view text, std::string_view whole) {
  const bool digits = !text.empty() && text.size() <= 5 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const unsigned long value = digits ? std::stoul(std::string(text)) : 0;
  if (value < 1 || value > 65535)
    throw UsageError("bad port in destination '" + std::string(whole) + "' (expected 1-65535)");
  return static_cast<uint16_t>(value);
}

}  // namespace

Destination parse_destination(std::string_view text) {
  const std::string whole(text);
  Destination d;
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) throw UsageError("destination '" + whole + "': missing ']'");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw UsageError("destination '" + whole + "': expected ':PORT' after ']'");
      port = rest.substr(1);
      d.port = parse_port(port, text);
    }
    boost::system::error_code ec;
    const auto v6 = ip::make_address_v6(std::string(host), ec);
    if (ec || host.find('%') != std::string_view::npos)
      throw UsageError("destination '" + whole + "': '" + std::string(host) + "' is not an IPv6 address");
    d.host = v6.to_string();
    return d;
  }
  const auto colons = std::count(text.begin(), text.end(), ':');
  if (colons > 1)
    throw UsageError("destination '" + whole + "': write an IPv6 address in brackets, e.g. [2001:db8::1]:25");
  if (colons == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    d.port = parse_port(text.substr(colon + 1), text);
  }
  if (host.empty()) throw UsageError("destination '" + whole + "': missing host");
  if (std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    boost::system::error_code ec;
    const auto v4 = ip::make_address_v4(std::string(host), ec);
    if (ec) throw UsageError("destination '" + whole + "': '" + std::string(host) + "' is not an IPv4 address");
    d.host = v4.to_string();
    return d;
  }
  const auto name = mail::normalize_domain(host);
  if (!name) throw UsageError("destination '" + whole + "': '" + std::string(host) + "' is not a valid host name");
  d.host = *name;
  return d;
}

std::string format_destination(const std::string& host, uint16_t port) {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown + ":" + std::to_string(port);
}

store::RecipientMode parse_recipient_mode(std::string_view text) {
  if (text == "all") return store::RecipientMode::all;
  if (text == "specified") return store::RecipientMode::specified;
  throw UsageError("--recipients must be 'all' or 'specified', not '" + std::string(text) + "'");
}

std::string domain_argument(std::string_view text) {
  const auto name = mail::normalize_domain(text);
  if (!name) throw UsageError("'" + std::string(text) + "' is not a valid domain name");
  return *name;
}

namespace {

mail::Mailbox mailbox_argument(std::string_view text, std::string_view what) {
  const auto mailbox = mail::parse_mailbox(text);
  if (!mailbox) throw UsageError(std::string(what) + " '" + std::string(text) + "' is not a valid address");
  if (mailbox->address_literal)
    throw UsageError(std::string(what) + " '" + std::string(text) + "': use a domain name, not an address literal");
  return *mailbox;
}

}  // namespace

std::string our_address_key(store::Store& store, std::string_view text, std::string_view what) {
  const auto mailbox = mailbox_argument(text, what);
  if (!store.find_domain(mailbox.domain))
    throw CommandError(std::string(what) + " '" + std::string(text) + "': '" + mailbox.domain +
                       "' is not one of our domains (see 'portcullis domain list')");
  return mailbox.key();
}

std::string target_address(std::string_view text) { return mailbox_argument(text, "target").str(); }

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      for (char& c : cell)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
      line += cell;
      if (i + 1 < row.size()) line += std::string(widths[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

bool take_flag(std::vector<std::string>& words, const std::string& name) {
  const std::string flag = "--" + name;
  bool found = false;
  for (auto it = words.begin(); it != words.end() && *it != "--";) {
    if (it->starts_with(flag + "=")) throw UsageError("option " + flag + " takes no value");
    if (*it != flag) {
      ++it;
      continue;
    }
    if (found) throw UsageError("option " + flag + " given twice");
    found = true;
    it = words.erase(it);
  }
  return found;
}

}  // namespace portcullis::cli
