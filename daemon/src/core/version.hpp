// The release version of this build ("0.2.0"), defined in one translation unit so that a
// build differing only in its version number (the upgrade boot test's previous release)
// recompiles one file.
#pragma once

namespace portcullis::core {

const char* version();

}  // namespace portcullis::core
