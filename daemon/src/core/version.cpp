#include "core/version.hpp"

namespace portcullis::core {

const char* version() { return PORTCULLIS_VERSION; }

}  // namespace portcullis::core
