// The streaming MIME parser (RFC 2045, 2046, 2183, 2231): the message is fed in chunks as it
// arrives (SMTP DATA after dot-unstuffing) and at the end every MIME part is known, with its
// decoded file names, the first decoded octets (for magic-number checks) and its exact place
// in the octets fed, so that a part can be replaced (checks/attachments).
// Untrusted input (fuzzed): never throws, linear time, and bounded memory whatever the input:
// the message itself is not kept, only per-part metadata, the header section of the part
// being read (max_header_bytes), one line prefix (max_boundary + 4), `head_bytes` decoded
// octets per part, and for the one part being read, when its content starts like a zip
// archive, at most 1.5 x archive_bytes of its decoded content (the archive reader gets the
// last archive_bytes or more). Parts inside encoded messages are parsed by a nested parser
// whose memory is bounded the same way (nesting depth <= max_depth).
//
// Lines end at LF; a CR right before it belongs to the line end (CRLF and bare LF both work,
// even mixed); a CR elsewhere is an ordinary octet.
//
// Structure:
//   - Every entity starts with a header section read as mail/headers.hpp reads one (an empty
//     line ends it; a line that is not a field is the first line of the body; an mbox "From "
//     line at the very start of the message is skipped). Content-Type, Content-Disposition,
//     Content-Transfer-Encoding: mail/mime_fields.hpp.
//   - multipart/* with a boundary: a line starting with "--" boundary is a delimiter line;
//     followed by "--" it is the close delimiter. Anything after that on the line is ignored
//     (RFC 2046 allows only white space there; readers are lenient, so is the gateway: a line
//     a reader takes for a delimiter must never hide a part from it). A delimiter of an
//     enclosing multipart also ends the inner ones (RFC 2046 5.1.2). A line that is exactly a
//     delimiter (white space after it only) of some open multipart is that one's, innermost
//     first; else the innermost boundary the line starts with wins (so an inner boundary "x"
//     does not steal the outer "--x y"). Preamble and epilogue are skipped; a delimiter after
//     the close delimiter still starts a part (some readers do so). A missing close delimiter
//     is fine: the parts end with the data. multipart/digest parts default to message/rfc822.
//   - message/rfc822 and message/global with an identity encoding (none, 7bit, 8bit, binary):
//     the body is one entity, parsed in place (its parts keep their real offsets).
//   - message/rfc822 or message/global in base64 or quoted-printable, and any other part one
//     of whose names ends in ".eml": the decoded content is parsed as a message by a nested
//     parser; its parts follow the container in parts(), with located = false and the
//     container's offsets (they can be removed only together with it).
//   - Any other part is a leaf: its body is decoded (base64, quoted-printable, else as is;
//     mail/mime_decode.hpp); the CRLF before a delimiter line is not part of the content.
//
// Offsets (of the octets fed, from 0): `offset` is the first octet of the part's header
// section (for a message/rfc822 body: the body's first octet; for the top-level entity: 0);
// `end` is the first octet of the line break before the delimiter line that ends the part
// (or the size of the data when no delimiter ends it); body_offset is where the body starts
// (offset <= body_offset <= end). So [offset, end) is the whole part, headers and body, and
// replacing it by another MIME part keeps the enclosing multipart valid. (An empty part, a
// delimiter line followed at once by another, has offset = end, which may lie just past its
// parent's end when the second delimiter is an outer one; there is nothing to replace.)
//
// Limits (truncated() = the structure was not fully examined; a gateway should treat such a
// message as one it could not check):
//   - max_parts: later parts are not recorded (their content is skipped);
//   - max_depth: a container deeper than this is read as a leaf (10,000 nested multiparts
//     cost neither stack nor memory);
//   - max_header_bytes per header section: the rest of the section is not kept
//     (MimePart::headers_truncated);
//   - max_boundary: a multipart with a longer boundary is read as a leaf.
//   - archive_bytes: see ArchiveReader; the reader says whether its listing is complete.
// parts() is complete after finish(); chunk boundaries never change the result.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::mail {

struct MimeLimits {
  std::size_t max_parts = 1000;
  std::size_t max_depth = 20;
  std::size_t max_header_bytes = 256 * 1024;
  std::size_t max_boundary = 256;
  std::size_t head_bytes = 512;
  std::size_t archive_bytes = 8 * 1024 * 1024;
};

// What an archive reader found in a part's decoded content.
struct ArchiveListing {
  std::vector<std::string> names;  // member names (UTF-8), nested members as "inner.zip/name"
  bool encrypted = false;          // a member is encrypted
  bool truncated = false;          // the listing is incomplete (limits, or content beyond the window)
};

// Called when a part whose decoded content starts with a zip signature ("PK\3\4", "PK\5\6",
// "PK\7\8") ends: `tail` is the last octets of the decoded content (all of it when it is not
// longer than archive_bytes), `total` the size of the whole decoded content. Must not throw.
// checks/attachments/parser.hpp wires the zip reader in.
using ArchiveReader = std::function<ArchiveListing(std::string_view tail, std::uint64_t total)>;

struct MimePart {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t index = 0;            // order of appearance, 0 = the top-level entity
  std::size_t parent = npos;        // index of the enclosing entity (multipart or message)
  std::size_t depth = 0;            // 0 for the top-level entity
  std::string content_type;         // lower-case "type/subtype"
  std::string disposition;          // lower-case, "attachment" | "inline" | ... | ""
  std::string filename;             // the preferred decoded name (UTF-8), "" if none
  std::vector<std::string> names;   // every name the part carries, filename first
  std::string transfer_encoding;    // lower-case, "" if none
  std::size_t offset = 0;           // see above
  std::size_t body_offset = 0;
  std::size_t end = 0;
  bool located = true;              // false: inside an encoded message, offsets are its container's
  std::uint64_t decoded_size = 0;   // leaves: octets of decoded content
  std::string head;                 // leaves: the first head_bytes decoded octets
  bool is_multipart = false;        // a multipart read as a container
  bool is_message = false;          // a message whose content was parsed as a message
  bool headers_truncated = false;   // the header section was longer than max_header_bytes
  bool archive = false;             // the content was given to the archive reader
  std::vector<std::string> archive_names;
  bool archive_encrypted = false;
  bool archive_truncated = false;

  bool is_container() const { return is_multipart || is_message; }
};

class MimeParser {
 public:
  explicit MimeParser(MimeLimits limits = {}, ArchiveReader archive_reader = {});
  ~MimeParser();
  MimeParser(MimeParser&&) noexcept;
  MimeParser& operator=(MimeParser&&) noexcept;
  MimeParser(const MimeParser&) = delete;
  MimeParser& operator=(const MimeParser&) = delete;

  // Any chunk sizes, empty ones too. Ignored after finish().
  void feed(std::string_view chunk);
  // The end of the data: every open part ends here.
  void finish();

  const std::vector<MimePart>& parts() const;
  bool truncated() const;
  bool finished() const;
  std::uint64_t size() const;  // octets fed

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The whole message at once: a finished parser.
MimeParser parse_mime(std::string_view message, const MimeLimits& limits = {}, ArchiveReader archive_reader = {});

}  // namespace portcullis::mail
