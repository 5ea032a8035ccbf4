// The names inside a zip archive (PKWARE APPNOTE 6.3), for the attachment rules: what a
// recipient would find after unpacking a zip attachment, and whether members are encrypted.
// Untrusted input (fuzzed): never throws, never reads outside the data, no size or offset
// from the archive is used without a bounds check; work is linear in the data.
//
// read_zip(data, total):
//   - `data` is the end of the archive: its last data.size() octets of `total` (the MIME
//     parser keeps a bounded window); offsets in the archive are taken relative to
//     total - data.size().
//   - The end-of-central-directory record is looked for in the last 65,557 octets (the last
//     one found wins), with its ZIP64 locator and record when the 32-bit fields say so. The
//     central directory is where the record says, or, when nothing is there (self-extracting
//     archives, prepended data), right before the record.
//   - Each central-directory entry gives a name (UTF-8 kept; other octets >= 0x80 become
//     U+FFFD; an Info-ZIP Unicode Path extra field adds its UTF-8 name when it differs) and the
//     encrypted flag (general purpose bit 0).
//   - No usable central directory but the data starts at the archive's start: the local file
//     headers are read one after the other (entries with a data descriptor are skipped by
//     looking for the next local header signature).
//   - A stored (not compressed), unencrypted member that is itself a zip (its data starts
//     with a local header signature, or its name ends in ".zip") is read too, one level deep:
//     its members are listed as "member.zip/name". At most kMaxNested such members.
//   - truncated: the listing is incomplete (more than max_entries entries or max_name_bytes
//     of names, a directory reaching past the data, or a central directory outside the window).
//   - Garbage (no record, no local header) gives an empty listing, not truncated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/mime.hpp"

namespace portcullis::checks::attachments {

struct ZipLimits {
  std::size_t max_entries = 10000;
  std::size_t max_name = 1024;                // longer names are cut
  std::size_t max_name_bytes = 1024 * 1024;   // all names together
  bool nested = true;                         // read stored zips inside
};

inline constexpr std::size_t kMaxNested = 16;

mail::ArchiveListing read_zip(std::string_view data, std::uint64_t total, const ZipLimits& limits = {});

}  // namespace portcullis::checks::attachments
