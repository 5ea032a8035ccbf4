// The one error type of the bundle format: every refusal (bad tar, bad manifest, bad signature,
// wrong member) is a BundleError whose message names what was wrong and where.
#pragma once

#include <stdexcept>

namespace portcullis::upgrade {

class BundleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace portcullis::upgrade
