// UTC time formatting shared by the Received header, the CLI and the logs.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>

namespace portcullis::core {

enum class TimeStyle {
  iso8601,  // 2026-11-23T10:02:11Z
  rfc5322,  // Mon, 23 Nov 2026 10:02:11 +0000 (mail headers)
  plain,    // 2026-11-23 10:02:11 (tables)
};

inline std::string format_utc(int64_t unix_time, TimeStyle style) {
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = 0;
  switch (style) {  // literal formats only (-Wformat-nonliteral)
    case TimeStyle::iso8601: n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm); break;
    case TimeStyle::rfc5322: n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm); break;
    case TimeStyle::plain: n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm); break;
  }
  return std::string(buf, n);
}

}  // namespace portcullis::core
