// The Public Suffix List (publicsuffix.org; Debian's publicsuffix package installs it as
// /usr/share/publicsuffix/public_suffix_list.dat) and the Organizational Domain of RFC 7489
// 3.2 built on it: the public suffix of a name plus one more label.
//
// The list is loaded once (at start-up) and then only read, so one instance can be shared by
// every thread. Both sections of the file (ICANN and private domains) are used. The rules
// are kept in hash sets in lower-case A-label form (IDN rules are Punycode-encoded when
// loaded), so a lookup costs one hash probe per label of the name.
//
// The matching algorithm (publicsuffix.org/list "Formal Algorithm"): a name matches a rule
// when the rule's labels equal its rightmost labels, "*" matching any one label; an exception
// rule ("!") prevails over all others, otherwise the rule with the most labels does; when
// none matches, the implicit rule "*" (the top-level label) applies. An exception rule's
// public suffix is the rule without its leftmost label.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace portcullis::checks::dmarc {

inline constexpr const char* kDefaultPublicSuffixFile = "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // Reads the file. Throws std::runtime_error if it cannot be read or holds no rule at all.
  static PublicSuffixList load(const std::filesystem::path& file);
  // Parses the list's text (for tests; never throws on its content). Lines are the rules up to
  // the first white space; "//" comment lines and empty lines are skipped, and so is a rule
  // that is not a well-formed name.
  static PublicSuffixList from_text(std::string_view text);

  // The Organizational Domain (RFC 7489 3.2) of `domain` (any case, U-labels or A-labels, one
  // trailing dot allowed), in lower-case A-label form. A name that is itself a public suffix
  // (or shorter) is its own Organizational Domain. Empty if `domain` is not a well-formed
  // name (an empty label, invalid UTF-8, a label over 63 or a name over 253 octets).
  std::string organizational_domain(std::string_view domain) const;

  // The registrable domain: the public suffix plus one label, in lower-case A-label form, or
  // nullopt when `domain` is a public suffix itself or not a well-formed name. This is what
  // the PSL project's checkPublicSuffix() test cases expect.
  std::optional<std::string> registrable_domain(std::string_view domain) const;

  // The public suffix of `domain` (lower-case A-labels); empty if not a well-formed name.
  std::string public_suffix(std::string_view domain) const;

  std::size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;

  // For the normalized `name`: the offset where its public suffix starts.
  std::size_t suffix_start(std::string_view name) const;

  Set rules_;       // "com", "co.uk"
  Set wildcards_;   // "ck" for "*.ck"
  Set exceptions_;  // "www.ck" for "!www.ck"
};

}  // namespace portcullis::checks::dmarc
