// Removing blocked attachments (hMailServer's behaviour): each blocked part, headers and body,
// is replaced by a short text/plain part saying what was removed and why, so the message
// stays a valid MIME message and the recipient knows. Pure code; the edits go into the
// spool's Amendment (queue/spool.hpp Replacement: same offset/length/text).
//
// removal_edits(parts, findings, newline):
//   - for each finding, the part replaced is the blocked part itself when it is a direct child
//     of a multipart, else its nearest enclosing entity that is (a blocked part inside a
//     forwarded message whose body is that one part, or inside an encoded message/rfc822 or
//     .eml attachment, takes the whole forwarded message with it);
//   - when there is none (the top-level entity is itself the blocked content, or a finding on
//     part 0 such as ATTACHMENT_LIMITS), the message cannot be fixed by removal:
//     complete = false, and the caller must reject (or quarantine) the message instead;
//   - a part inside another part that is replaced gives no edit of its own, nor does an
//     empty part (no octets: it cannot carry a name or content);
//   - edits are sorted by offset and never overlap; each replaces [offset, offset + length) =
//     MimePart [offset, end) by:
//         Content-Type: text/plain; charset=utf-8
//         Content-Transfer-Encoding: quoted-printable
//         Content-Disposition: inline
//
//         The attachment "NAME" was removed by the mail gateway's policy (REASON).
//     one such line per blocked part inside (first finding of each), "An attachment was
//     removed ..." when it has no name. Names and reasons are cut to 200 octets (whole UTF-8
//     characters), invalid UTF-8 becomes U+FFFD and control octets '?'. The text is
//     quoted-printable (7-bit, lines <= 76 octets; a line never starts with '-', '.' or 'F',
//     so it can never look like a boundary delimiter or an mbox "From " line) and has no
//     final line break (the one before the next delimiter is kept). `newline` is the line
//     break used ("\r\n" for SMTP data, "\n" for LF-only files).
// apply_edits(message, edits): the message with the edits applied (edits that are out of
// range or overlap an earlier one are skipped).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "checks/attachments/rules.hpp"
#include "mail/mime.hpp"

namespace portcullis::checks::attachments {

struct Edit {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string replacement;
};

struct Removal {
  std::vector<Edit> edits;
  bool complete = true;  // false: some blocked content cannot be removed; reject the message
};

Removal removal_edits(const std::vector<mail::MimePart>& parts, const std::vector<Finding>& findings,
                      std::string_view newline = "\r\n");

std::string apply_edits(std::string_view message, const std::vector<Edit>& edits);

}  // namespace portcullis::checks::attachments
