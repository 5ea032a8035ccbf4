#include "sandbox/journal.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <syslog.h>

#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace portcullis::sandbox {

std::string journal_field_name(std::string_view key) {
  if (key == "client") return "CLIENT_IP";
  if (key == "from") return "SENDER";
  if (key == "rcpt") return "RECIPIENT";
  std::string out;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out += (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_';
  }
  // Journal field names must not start with '_' (trusted fields) or a digit.
  if (out.empty() || out[0] == '_' || (out[0] >= '0' && out[0] <= '9')) out = "F" + out;
  return out;
}

bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

namespace {

int priority(log::Level l) {
  switch (l) {
    case log::Level::debug: return LOG_DEBUG;
    case log::Level::info: return LOG_INFO;
    case log::Level::warn: return LOG_WARNING;
    case log::Level::error: return LOG_ERR;
  }
  return LOG_INFO;
}

void send(log::Level level, std::string_view event, std::span<const log::Field> fields, std::string_view line) {
  // The line without its time stamp and level: "<stamp> <level> <event> k=v...\n".
  std::string_view message = line;
  for (int skip = 0; skip < 2; ++skip) {
    const auto sp = message.find(' ');
    if (sp == std::string_view::npos) break;
    message.remove_prefix(sp + 1);
  }
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  std::vector<std::string> items;
  items.reserve(fields.size() + 3);
  items.push_back("MESSAGE=" + std::string(message));
  items.push_back("PRIORITY=" + std::to_string(priority(level)));
  items.push_back("PORTCULLIS_EVENT=" + std::string(event));
  for (const auto& [k, v] : fields) items.push_back(journal_field_name(k) + "=" + std::string(v));
  std::vector<iovec> iov;
  iov.reserve(items.size());
  for (auto& s : items) iov.push_back(iovec{s.data(), s.size()});
  if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0)
    std::fwrite(line.data(), 1, line.size(), stderr);  // the journal refused: keep the line anyway
}

}  // namespace

bool log_to_journal_if_connected() {
  if (!stderr_is_journal()) return false;
  log::set_output(send);
  return true;
}

}  // namespace portcullis::sandbox
