// The MIME parser wired to the zip reader. See parser.hpp.
#include "checks/attachments/parser.hpp"

namespace portcullis::checks::attachments {

mail::ArchiveReader zip_archive_reader(ZipLimits limits) {
  return [limits](std::string_view tail, std::uint64_t total) { return read_zip(tail, total, limits); };
}

mail::MimeParser make_parser(const mail::MimeLimits& limits, const ZipLimits& zip_limits) {
  return mail::MimeParser(limits, zip_archive_reader(zip_limits));
}

}  // namespace portcullis::checks::attachments
