// The real type of an attachment from its first decoded octets (magic numbers), whatever its
// name and declared Content-Type say. Pure code.
//
// real_type(head) gives one of:
//   "exe"    DOS/Windows executable ("MZ" and a plausible PE header offset: programs, DLLs,
//            .scr, .cpl, ...)
//   "elf"    ELF executable or library (Linux, BSD)
//   "macho"  Mach-O executable or universal binary (macOS)
//   "lnk"    Windows shortcut (Shell Link header)
//   "script" "#!" interpreter script
//   "zip"    zip archive (also docx/xlsx/pptx/odt/jar/apk: zip containers)
//   "rar" "7z" "gzip" "bzip2" "xz" "cab" "tar"
//   "ole"    OLE2 compound file (doc, xls, ppt, msi, msg)
//   "tnef"   MS-TNEF (winmail.dat)
//   "pdf" "rtf" "png" "jpeg" "gif"
//   ""       unknown (plain text, HTML, ...)
// executable_type(t): exe, elf, macho, lnk: content the system runs directly, whatever the
// file is called ("script" is not: a text file starting with "#!" is common in mail).
#pragma once
#include <string_view>

namespace portcullis::checks::attachments {

std::string_view real_type(std::string_view head);
bool executable_type(std::string_view type);

}  // namespace portcullis::checks::attachments
