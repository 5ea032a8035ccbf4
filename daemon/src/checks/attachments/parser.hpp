// The MIME parser as the attachment rules want it: mail::MimeParser with the zip reader
// (checks/attachments/zip.hpp) listing the members of zip attachments. Feed it the message
// as it arrives, finish() it at the end of the data, then check(parser, rules).
#pragma once
#include "checks/attachments/zip.hpp"
#include "mail/mime.hpp"

namespace portcullis::checks::attachments {

mail::ArchiveReader zip_archive_reader(ZipLimits limits = {});

mail::MimeParser make_parser(const mail::MimeLimits& limits = {}, const ZipLimits& zip_limits = {});

}  // namespace portcullis::checks::attachments
