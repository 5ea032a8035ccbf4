// checks/dkim/canon.hpp: RFC 6376 3.4 canonicalisation, header fields and streaming body.
#include "checks/dkim/canon.hpp"

#include <algorithm>
#include <unordered_map>

#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

namespace {

// Strips the final line end (CRLF or LF) of a field; true if there was one.
bool strip_line_end(std::string_view& field) {
  if (!field.empty() && field.back() == '\n') {
    field.remove_suffix(1);
    if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
    return true;
  }
  return false;
}

}  // namespace

void canon_header(Canon canon, std::string_view field, std::string& out) {
  if (canon == Canon::simple) {
    out.append(field);
    return;
  }
  const bool line_end = strip_line_end(field);
  const std::size_t colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  const std::string_view value = colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
  while (!name.empty() && is_fws(name.back())) name.remove_suffix(1);
  for (const char ch : name) out += ascii_lower(ch);
  out += ':';
  const std::size_t value_start = out.size();
  bool space = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char ch = value[i];
    if (ch == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {  // unfolding
      ++i;
      continue;
    }
    if (ch == '\n') continue;
    if (is_wsp(ch)) {
      space = true;
      continue;
    }
    if (space && out.size() > value_start) out += ' ';
    space = false;
    out += ch;
  }
  if (line_end) out += "\r\n";
}

std::vector<std::size_t> select_headers(const mail::HeaderSection& section, const std::vector<std::string>& names,
                                        std::optional<std::size_t> exclude) {
  std::unordered_map<std::string, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < section.fields.size(); ++i)
    if (!exclude || *exclude != i) by_name[to_lower(section.fields[i].name)].push_back(i);
  std::vector<std::size_t> out;
  out.reserve(names.size());
  for (const auto& name : names) {
    const auto it = by_name.find(to_lower(name));
    if (it == by_name.end() || it->second.empty()) continue;
    out.push_back(it->second.back());
    it->second.pop_back();
  }
  return out;
}

std::string_view field_text(std::string_view head, const mail::HeaderField& field) {
  if (field.offset >= head.size()) return {};
  return head.substr(field.offset, std::min(field.length, head.size() - field.offset));
}

std::string field_without_value_range(std::string_view field, std::size_t begin, std::size_t end) {
  strip_line_end(field);
  const std::size_t colon = field.find(':');
  if (colon == std::string_view::npos) return std::string(field);
  const std::size_t vs = colon + 1;
  const std::size_t b = std::min(vs + std::min(begin, end), field.size());
  const std::size_t e = std::min(vs + end, field.size());
  std::string out(field.substr(0, b));
  out.append(field.substr(e));
  return out;
}

void BodyCanonicalizer::content(char ch, std::string& out) {
  for (; empty_lines_ > 0; --empty_lines_) out += "\r\n";
  if (pending_wsp_) out += ' ';
  pending_wsp_ = false;
  out += ch;
  any_content_ = true;
}

void BodyCanonicalizer::feed(std::string_view chunk, std::string& out) {
  if (finished_) return;
  const bool relaxed = canon_ == Canon::relaxed;
  const char* stops = relaxed ? "\r \t" : "\r";
  std::size_t i = 0;
  while (i < chunk.size()) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (chunk[i] == '\n') {  // a line end
        ++empty_lines_;
        pending_wsp_ = false;
        ++i;
        continue;
      }
      content('\r', out);  // a lone CR is an ordinary octet
    }
    // A run of ordinary octets goes out at once.
    const std::size_t stop = std::min(chunk.find_first_of(stops, i), chunk.size());
    if (stop > i) {
      content(chunk[i], out);
      out.append(chunk.substr(i + 1, stop - i - 1));
      i = stop;
      continue;
    }
    if (chunk[i] == '\r')
      pending_cr_ = true;
    else
      pending_wsp_ = true;  // relaxed WSP
    ++i;
  }
}

void BodyCanonicalizer::finish(std::string& out) {
  if (finished_) return;
  if (pending_cr_) content('\r', out);
  pending_cr_ = false;
  // The last line ends with one CRLF (added if missing); further held-back CRLFs were
  // trailing empty lines. A body with no content: one CRLF for simple, nothing for relaxed.
  if (any_content_ || canon_ == Canon::simple) out += "\r\n";
  finished_ = true;
}

BodyHasher::BodyHasher(Canon canon, HashAlg alg, std::optional<std::uint64_t> limit)
    : canon_(canon), alg_(alg), limit_(limit), canonicalizer_(canon), hash_(alg) {}

void BodyHasher::take(const std::string& canonical) {
  std::string_view data = canonical;
  if (limit_) {
    const std::uint64_t hashed = std::min(total_, *limit_);
    const std::uint64_t room = *limit_ - hashed;
    if (data.size() > room) data = data.substr(0, static_cast<std::size_t>(room));
  }
  hash_.update(data);
  total_ += canonical.size();
}

void BodyHasher::feed(std::string_view chunk) {
  if (finished_) return;
  scratch_.clear();
  canonicalizer_.feed(chunk, scratch_);
  take(scratch_);
}

void BodyHasher::finish() {
  if (finished_) return;
  scratch_.clear();
  canonicalizer_.finish(scratch_);
  take(scratch_);
  digest_ = hash_.final();
  finished_ = true;
}

}  // namespace portcullis::checks::dkim
