// The attachment rules (hMailServer's attachment blocking, and more): which MIME parts of a
// message are blocked, by file name extension, double extension, real type (magic numbers)
// and the names inside zip archives. What happens to a blocked part (reject the message,
// quarantine it, or remove the part: checks/attachments/removal.hpp) is the policy's choice
// (checks/verdict). Pure code.
//
// check(parts, rules) looks at every part (names: every part, multiparts too, since a part
// with two Content-Type fields is a multipart to the gateway and may be a named file to a mail
// reader; content: the leaves) and gives at most one finding per symbol per part, in part order:
//   ATTACHMENT_EXT         a name's extension is in blocked_extensions       "extension .exe"
//   ATTACHMENT_DOUBLE_EXT  block_double_extensions and a name like "invoice.pdf.exe": the
//                          last extension is blocked (blocked_extensions or the default list)
//                          and the one before it is a document, picture, media or archive
//                          extension (kDecoyExtensions)                   "double extension .pdf.exe"
//                          (given instead of ATTACHMENT_EXT for that name)
//   ATTACHMENT_TYPE        block_executables_by_type and the content of a leaf is an executable
//                          (real_type.hpp: exe, elf, macho, lnk) whatever its name
//                                                                         "executable content (exe)"
//   ATTACHMENT_ZIP         scan_archives and a member of a zip attachment has a blocked or
//                          double extension (nested zips included)       "zip member dir/a.scr"
//   ATTACHMENT_ZIP_ENCRYPTED  block_encrypted_archives and a zip member is encrypted (its
//                          content cannot be checked, by us or by the virus scanner)
//                                                                         "encrypted archive"
//   ATTACHMENT_LIMITS      block_unchecked and the content could not be fully examined: a zip
//                          listing is incomplete (part-level), or the parser's limits were hit
//                          (check(parser, ...): part 0, "MIME structure beyond the parser's
//                          limits"; cannot be removed, the message is rejected)
// Every name a part carries is checked (MimePart::names), each as a Windows user would see
// it: the last path component ('/' or '\'), trailing dots and white space dropped (Windows
// ignores them: "a.exe." runs), ASCII letters lower-cased; a name with a control octet is
// also checked as cut before it ("a.exe\0.txt").
//
// default_rules(): every switch on, and this extension list (programs, scripts, installers,
// shortcuts, disk images and other files Windows or Office run or mount on a double click):
//   exe com scr pif bat cmd vb vbs vbe js jse wsf wsh wsc sct hta msi msp mst msc cpl dll ocx
//   sys jar jnlp ps1 psm1 psd1 ps1xml ps2 ps2xml psc1 psc2 lnk url scf inf reg iso img vhd
//   vhdx chm hlp gadget application appx appxbundle msix msixbundle appref-ms
//   settingcontent-ms library-ms xll xbap ade adp mde shb shs bas
// Archives themselves (zip, rar, 7z), Office documents and PDFs are not blocked by name.
// Decoys (the extension before a blocked one that makes a double extension): pdf doc docx docm
// xls xlsx xlsm ppt pptx odt ods odp rtf txt csv htm html xml eml msg jpg jpeg png gif bmp tif
// tiff svg mp3 mp4 wav avi mov wmv zip rar 7z gz tar ics vcf.
// Not covered: names inside rar/7z/tar/gzip archives and MS-TNEF (winmail.dat) attachments
// (their real type is reported by real_type(); the virus scanner looks inside them).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime.hpp"

namespace portcullis::checks::attachments {

struct Rules {
  std::vector<std::string> blocked_extensions;  // lower-case, without the dot
  bool block_double_extensions = true;
  bool block_executables_by_type = true;
  bool scan_archives = true;
  bool block_encrypted_archives = true;
  bool block_unchecked = true;
};

Rules default_rules();
const std::vector<std::string>& default_blocked_extensions();
extern const std::vector<std::string_view> kDecoyExtensions;

struct Finding {
  std::size_t part = 0;   // index in the parts
  std::string filename;   // the name that matched (the part's filename for content findings)
  std::string reason;     // short, for the log and the replacement text
  std::string symbol;     // ATTACHMENT_*
};

std::vector<Finding> check(const std::vector<mail::MimePart>& parts, const Rules& rules);
// The same, plus ATTACHMENT_LIMITS on part 0 when the parser was truncated.
std::vector<Finding> check(const mail::MimeParser& parser, const Rules& rules);

// A name as Windows sees it (see above); its extensions, last first, lower-case, without dots
// ("Invoice.PDF.exe. " -> {"exe", "pdf"}; the white space before a dot is dropped too).
std::string windows_name(std::string_view name);
std::vector<std::string> extensions(std::string_view name);

}  // namespace portcullis::checks::attachments
