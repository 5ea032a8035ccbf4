// checks/dmarc/psl.hpp: the Public Suffix List, loaded once, looked up by hash per label.
#include "checks/dmarc/psl.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include "checks/dmarc/punycode.hpp"
#include "core/text.hpp"

namespace portcullis::checks::dmarc {

namespace {

// The offsets at which each label of a normalized name starts: "a.b.c" -> 0, 2, 4.
std::vector<std::size_t> label_starts(std::string_view name) {
  std::vector<std::size_t> starts{0};
  for (std::size_t k = 0; k < name.size(); ++k)
    if (name[k] == '.') starts.push_back(k + 1);
  return starts;
}

}  // namespace

PublicSuffixList PublicSuffixList::load(const std::filesystem::path& file) {
  const auto text = core::read_file(file);
  if (!text) throw std::runtime_error("cannot read the Public Suffix List " + file.string());
  PublicSuffixList list = from_text(*text);
  if (list.size() == 0) throw std::runtime_error("no rule in the Public Suffix List " + file.string());
  return list;
}

PublicSuffixList PublicSuffixList::from_text(std::string_view text) {
  PublicSuffixList list;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // The rule is the line up to its first white space (the format allows text after it).
    const std::size_t ws = line.find_first_of(" \t\r");
    if (ws != std::string_view::npos) line = line.substr(0, ws);
    if (line.empty() || line.substr(0, 2) == "//") continue;

    Set* set = &list.rules_;
    if (line.front() == '!') {
      set = &list.exceptions_;
      line.remove_prefix(1);
    } else if (line.substr(0, 2) == "*.") {
      set = &list.wildcards_;
      line.remove_prefix(2);
    }
    if (line.empty() || line.back() == '.') continue;
    const auto name = domain_to_ascii(line);
    if (!name || name->find('*') != std::string::npos || name->find('!') != std::string::npos) continue;
    set->insert(*name);
  }
  return list;
}

std::size_t PublicSuffixList::suffix_start(std::string_view name) const {
  const auto starts = label_starts(name);
  const std::size_t n = starts.size();
  // An exception rule prevails: its public suffix is the rule without its leftmost label.
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (exceptions_.find(name.substr(starts[i])) != exceptions_.end()) return starts[i + 1];
  // Otherwise the rule with the most labels: the longest suffix that a rule matches.
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view suffix = name.substr(starts[i]);
    if (rules_.find(suffix) != rules_.end()) return starts[i];
    if (i + 1 < n && wildcards_.find(name.substr(starts[i + 1])) != wildcards_.end()) return starts[i];
  }
  return starts[n - 1];  // the implicit rule "*"
}

std::string PublicSuffixList::public_suffix(std::string_view domain) const {
  const auto name = domain_to_ascii(domain);
  if (!name) return {};
  return name->substr(suffix_start(*name));
}

std::optional<std::string> PublicSuffixList::registrable_domain(std::string_view domain) const {
  const auto name = domain_to_ascii(domain);
  if (!name) return std::nullopt;
  const std::size_t start = suffix_start(*name);
  if (start == 0) return std::nullopt;  // the name is a public suffix
  // One more label: back from the dot before the suffix to the previous dot (or the start).
  const std::size_t dot = name->rfind('.', start - 2);
  return name->substr(dot == std::string::npos ? 0 : dot + 1);
}

std::string PublicSuffixList::organizational_domain(std::string_view domain) const {
  if (auto registrable = registrable_domain(domain)) return std::move(*registrable);
  return domain_to_ascii(domain).value_or(std::string());  // a public suffix, or not a name
}

}  // namespace portcullis::checks::dmarc
