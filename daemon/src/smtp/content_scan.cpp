#include "smtp/content_scan.hpp"

#include <boost/asio/this_coro.hpp>

#include "checks/attachments/removal.hpp"
#include "checks/attachments/rules.hpp"
#include "checks/clamd/client.hpp"
#include "checks/spamd/client.hpp"
#include "core/async.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;
using checks::scanner::ClamdResult;
using checks::scanner::SpamdResult;

boost::asio::awaitable<ScanLog> scan_message(const Scanners& scanners, asio::thread_pool& workers,
                                             const queue::SpoolWriter& writer, std::uint64_t size, bool want_clamd,
                                             bool want_spamd, checks::verdict::Findings& findings) {
  ScanLog log;
  const auto executor = co_await asio::this_coro::executor;
  // The spool file is read on the worker pool, a chunk at a time (never on the event loop).
  asio::thread_pool* pool = &workers;
  const queue::SpoolWriter* w = &writer;
  const checks::scanner::ChunkSource source = [pool, w](std::uint64_t offset, std::size_t max) -> asio::awaitable<std::string> {
    auto read = core::offload(*pool, [&] { return w->read(static_cast<std::size_t>(offset), max); });
    co_return co_await std::move(read);
  };
  if (want_clamd && scanners.clamd) {
    auto op = checks::scanner::clamd_scan(executor, *scanners.clamd, source, size, scanners.timeout, scanners.max_size);
    const ClamdResult r = co_await std::move(op);
    switch (r.status) {
      case ClamdResult::Status::clean: log.clamd = "clean"; break;
      case ClamdResult::Status::infected:
        findings.virus = r.virus;
        log.clamd = "infected " + r.virus;
        break;
      case ClamdResult::Status::too_large: log.clamd = "too_large"; break;
      case ClamdResult::Status::error:
      case ClamdResult::Status::timeout:
        findings.clamd_failure = std::string(checks::scanner::to_string(r.status)) + (r.detail.empty() ? "" : ": " + r.detail);
        log.clamd = findings.clamd_failure;
        break;
    }
  }
  if (want_spamd && scanners.spamd) {
    auto op = checks::scanner::spamd_check(executor, *scanners.spamd, source, size, checks::scanner::SpamdMode::symbols,
                                           {}, scanners.timeout, scanners.max_size);
    const SpamdResult r = co_await std::move(op);
    switch (r.status) {
      case SpamdResult::Status::scanned: {
        findings.spamd_score = r.score;
        findings.spamd_symbols = r.symbols;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f/%.2f", r.score, r.threshold);
        log.spamd = buf;
        break;
      }
      case SpamdResult::Status::too_large: log.spamd = "too_large"; break;
      case SpamdResult::Status::error:
      case SpamdResult::Status::timeout:
        findings.spamd_failure = std::string(checks::scanner::to_string(r.status)) + (r.detail.empty() ? "" : ": " + r.detail);
        log.spamd = findings.spamd_failure;
        break;
    }
  }
  co_return log;
}

std::vector<queue::Replacement> check_attachments(mail::MimeParser& parser, checks::verdict::Findings& findings) {
  parser.finish();
  const auto blocked = checks::attachments::check(parser, checks::attachments::default_rules());
  std::vector<queue::Replacement> removal;
  if (blocked.empty()) return removal;
  for (const auto& f : blocked) findings.attachments.push_back({f.filename, f.reason});
  const auto r = checks::attachments::removal_edits(parser.parts(), blocked);
  findings.attachments_removable = r.complete;
  for (const auto& e : r.edits) removal.push_back(queue::Replacement{e.offset, e.length, e.replacement});
  return removal;
}

ScanWanted scans_wanted(const checks::verdict::Policies& policies, const std::vector<std::string>& rcpts) {
  ScanWanted w;
  for (const auto& r : rcpts) {
    const auto& p = policies.for_recipient(r);
    w.clamd = w.clamd || p.virus_scan;
    w.spamd = w.spamd || p.spam_scan;
  }
  return w;
}

void scanner_symbols(const checks::verdict::Findings& findings, std::vector<hooks::Symbol>& symbols) {
  if (findings.spamd_score) {
    symbols.push_back(hooks::Symbol{"SPAMD", *findings.spamd_score});
    for (const auto& name : findings.spamd_symbols) symbols.push_back(hooks::Symbol{"SA_" + name, 0});
  }
  if (!findings.virus.empty()) symbols.push_back(hooks::Symbol{"CLAMAV_VIRUS", 0});
}

}  // namespace portcullis::smtp
