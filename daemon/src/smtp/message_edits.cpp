#include "smtp/message_edits.hpp"

#include <algorithm>
#include <cctype>

namespace portcullis::smtp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

void header_amendment(const std::vector<hooks::HeaderEdit>& edits, const mail::HeaderSection& headers,
                      queue::Amendment& out) {
  std::vector<std::pair<std::string, std::string>> added;
  std::vector<bool> removed(headers.fields.size(), false);
  for (const auto& e : edits) {
    if (e.op == hooks::HeaderEdit::Op::add) {
      added.emplace_back(e.name, e.value);
      continue;
    }
    std::erase_if(added, [&](const auto& h) { return iequals(h.first, e.name); });
    for (std::size_t i = 0; i < headers.fields.size(); ++i)
      if (iequals(headers.fields[i].name, e.name)) removed[i] = true;
  }
  for (const auto& [name, value] : added) out.insert_headers += name + ": " + value + "\r\n";
  for (std::size_t i = 0; i < headers.fields.size(); ++i)
    if (removed[i]) out.drop.emplace_back(headers.fields[i].offset, headers.fields[i].length);
  // Ranges may already be there (forged Authentication-Results, checks/auth): once each.
  std::sort(out.drop.begin(), out.drop.end());
  out.drop.erase(std::unique(out.drop.begin(), out.drop.end()), out.drop.end());
}

std::vector<std::string> edited_recipients(const std::vector<std::string>& current, const hooks::Outcome& outcome) {
  std::vector<std::string> out;
  auto add = [&](const std::string& r) {
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  };
  for (const auto& r : outcome.set_recipients ? *outcome.set_recipients : current) add(r);
  for (const auto& r : outcome.add_recipients) add(r);
  return out;
}

}  // namespace portcullis::smtp
