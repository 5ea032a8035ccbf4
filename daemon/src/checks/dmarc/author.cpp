// checks/dmarc/author.hpp: a small RFC 5322 mailbox-list parser for the From field.
#include "checks/dmarc/author.hpp"

#include <optional>
#include <string>
#include <utility>

#include "checks/dmarc/punycode.hpp"
#include "mail/address.hpp"
#include "mail/cfws.hpp"

namespace portcullis::checks::dmarc {

namespace {

enum class Tok { atom, quoted, literal, special };

struct Token {
  Tok kind = Tok::special;
  char ch = 0;            // for specials: < > @ , ; : .
  std::string_view text;  // atoms and literals as written
};

bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;  // RFC 6532 UTF8-non-ascii (checked as UTF-8 when it matters)
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

// The value as tokens, comments and white space dropped; nullopt if it cannot be one
// (unterminated quote, comment or literal, a stray character).
std::optional<std::vector<Token>> tokenize(std::string_view v) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < v.size()) {
    const char c = v[i];
    if (mail::is_fws_char(c) || c == '(') {
      const auto next = mail::skip_cfws(v, i);
      if (!next) return std::nullopt;
      i = *next;
    } else if (c == '"' || c == '[') {
      const auto end = c == '"' ? mail::skip_quoted_string(v, i) : mail::skip_domain_literal(v, i);
      if (!end) return std::nullopt;
      out.push_back({c == '"' ? Tok::quoted : Tok::literal, 0, v.substr(i, *end - i)});
      i = *end;
    } else if (std::string_view("<>@,;:.").find(c) != std::string_view::npos) {
      out.push_back({Tok::special, c, v.substr(i, 1)});
      ++i;
    } else if (is_atext(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      while (i < v.size() && is_atext(static_cast<unsigned char>(v[i]))) ++i;
      out.push_back({Tok::atom, 0, v.substr(start, i - start)});
    } else {
      return std::nullopt;  // a control character, ")", "]", "\" outside any quoting
    }
  }
  return out;
}

// One mailbox's domain: the dot-atom as written, or the literal (then `literal` is set).
struct MailboxDomain {
  std::string domain;
  bool literal = false;
};

class Parser {
 public:
  explicit Parser(const std::vector<Token>& toks) : t_(toks) {}

  // mailbox-list / address-list (groups allowed), obsolete empty elements included.
  bool list(std::vector<MailboxDomain>& out) {
    while (pos_ < t_.size()) {
      if (special(',')) {
        ++pos_;
        continue;
      }
      if (group_ahead()) {
        if (!group(out)) return false;
      } else if (!mailbox(out)) {
        return false;
      }
      if (pos_ < t_.size() && !special(',')) return false;
    }
    return true;
  }

 private:
  bool special(char c) const { return pos_ < t_.size() && t_[pos_].kind == Tok::special && t_[pos_].ch == c; }
  bool word() const { return pos_ < t_.size() && (t_[pos_].kind == Tok::atom || t_[pos_].kind == Tok::quoted); }

  // A ':' comes before any '<', '@', ',' or ';': this element is a group.
  bool group_ahead() const {
    for (std::size_t k = pos_; k < t_.size(); ++k) {
      if (t_[k].kind != Tok::special) continue;
      if (t_[k].ch == ':') return true;
      if (t_[k].ch != '.') return false;
    }
    return false;
  }

  // display-name ":" [group-list] ";"
  bool group(std::vector<MailboxDomain>& out) {
    if (!phrase()) return false;
    if (!special(':')) return false;
    ++pos_;
    while (pos_ < t_.size() && !special(';')) {
      if (special(',')) {
        ++pos_;
        continue;
      }
      if (!mailbox(out)) return false;
      if (!special(',') && !special(';')) return false;
    }
    if (!special(';')) return false;
    ++pos_;
    return true;
  }

  // obs-phrase: a word, then words and dots. Returns false if there is no word.
  bool phrase() {
    if (!word()) return false;
    while (word() || special('.')) ++pos_;
    return true;
  }

  // name-addr / addr-spec
  bool mailbox(std::vector<MailboxDomain>& out) {
    if (out.size() >= kMaxFromMailboxes) return false;
    // name-addr if a '<' comes before the end of this element.
    bool angle = false;
    for (std::size_t k = pos_; k < t_.size(); ++k) {
      if (t_[k].kind != Tok::special) continue;
      if (t_[k].ch == '<') angle = true;
      if (t_[k].ch == '<' || t_[k].ch == ',' || t_[k].ch == ';' || t_[k].ch == '@') break;
    }
    MailboxDomain md;
    if (angle) {
      if (word() && !phrase()) return false;  // the display name is optional
      if (!special('<')) return false;
      ++pos_;
      if (special('@') && !route()) return false;
      if (!addr_spec(md)) return false;
      if (!special('>')) return false;
      ++pos_;
    } else if (!addr_spec(md)) {
      return false;
    }
    out.push_back(std::move(md));
    return true;
  }

  // obs-route: obs-domain-list ":" where obs-domain-list is "@" domain *("," ["@" domain]).
  bool route() {
    while (special('@') || special(',')) {
      if (special(',')) {
        ++pos_;
        continue;
      }
      ++pos_;
      MailboxDomain ignored;
      if (!domain(ignored)) return false;
    }
    if (!special(':')) return false;
    ++pos_;
    return true;
  }

  // local-part "@" domain; the local part is word *("." word) (dot-atom, quoted, obsolete).
  bool addr_spec(MailboxDomain& md) {
    if (!word()) return false;
    ++pos_;
    while (special('.')) {
      ++pos_;
      if (!word()) return false;
      ++pos_;
    }
    if (!special('@')) return false;
    ++pos_;
    return domain(md);
  }

  // dot-atom / obs-domain (atom *("." atom)) / domain-literal
  bool domain(MailboxDomain& md) {
    if (pos_ < t_.size() && t_[pos_].kind == Tok::literal) {
      md.domain = std::string(t_[pos_++].text);
      md.literal = true;
      return true;
    }
    if (pos_ >= t_.size() || t_[pos_].kind != Tok::atom) return false;
    md.domain = std::string(t_[pos_++].text);
    while (special('.')) {
      ++pos_;
      if (pos_ >= t_.size() || t_[pos_].kind != Tok::atom) return false;
      md.domain += '.';
      md.domain += t_[pos_++].text;
    }
    return true;
  }

  const std::vector<Token>& t_;
  std::size_t pos_ = 0;
};

Author problem(AuthorError error, std::string text) {
  Author a;
  a.error = error;
  a.problem = std::move(text);
  return a;
}

}  // namespace

std::string normalize_host(std::string_view domain) {
  const auto ascii = domain_to_ascii(domain);
  if (!ascii) return {};
  const auto host = mail::normalize_domain(*ascii);
  return host ? *host : std::string();
}

Author author_domain_of_value(std::string_view from_value) {
  if (from_value.size() > kMaxFromValue) return problem(AuthorError::unparsable, "the From field is too long");
  const auto toks = tokenize(from_value);
  std::vector<MailboxDomain> boxes;
  if (!toks || !Parser(*toks).list(boxes))
    return problem(AuthorError::unparsable, "the From field is not an RFC 5322 mailbox-list");
  if (boxes.empty()) return problem(AuthorError::no_address, "the From field holds no address");

  const auto usable = [](const MailboxDomain& md) { return md.literal ? std::string() : normalize_host(md.domain); };
  if (boxes.size() > 1) {
    Author a = problem(AuthorError::several_addresses,
                       "the From field holds " + std::to_string(boxes.size()) + " addresses");
    for (const auto& md : boxes) a.domains.push_back(usable(md));
    return a;
  }
  if (boxes.front().literal)
    return problem(AuthorError::bad_domain, "the From address has an address literal, not a domain");
  Author a;
  a.domain = usable(boxes.front());
  if (a.domain.empty()) return problem(AuthorError::bad_domain, "the From address's domain is not a host name");
  return a;
}

Author author_domain(const mail::HeaderSection& headers) {
  const auto froms = headers.all("From");
  if (froms.empty()) return problem(AuthorError::no_from, "no From field");
  if (froms.size() > 1)
    return problem(AuthorError::several_from, std::to_string(froms.size()) + " From fields");
  return author_domain_of_value(froms.front()->value);
}

Author author_domain(std::string_view header_section) { return author_domain(mail::parse_headers(header_section)); }

}  // namespace portcullis::checks::dmarc
