// Release bundles come from a download or a USB stick: untrusted until their signature checks out.
// The input goes through the tar reader alone, through open_bundle (verify only: no extraction,
// from memory) with a fixed test key, and through the manifest parser, which must read back
// whatever it accepts, serialized, to an equal manifest.
//
// The seeds in corpus/fuzz_bundle are bundles signed by a throwaway key whose private half was
// deleted; only its public half is here. Mutations of payload members keep the signature valid,
// so the fuzzer reaches the member checks past it. To make new seeds: generate_key() a new pair,
// create_bundle() with it, and replace fuzz_public_key.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "bundle/bundle.hpp"
#include "bundle/manifest.hpp"
#include "bundle/tar.hpp"

namespace {

const char* const fuzz_public_key =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA+UN6RSrLrgIJGDGFQIIGp1JtH0/CceIZIj4XlkVOZRo=\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace portcullis::upgrade;
  const std::string in(reinterpret_cast<const char*>(data), size);

  try {
    std::istringstream stream(in);
    TarReader tar(stream, 1 << 20);
    while (const auto m = tar.next()) {
      std::uint64_t got = 0;
      tar.read_data([&](std::string_view chunk) { got += chunk.size(); });
      if (got != m->size) __builtin_trap();
    }
  } catch (const BundleError&) {
  }

  try {
    std::istringstream stream(in);
    const Manifest m = open_bundle(stream, {fuzz_public_key}, {});
    if (serialize_manifest(m).empty()) __builtin_trap();
  } catch (const BundleError&) {
  }

  Manifest m;
  try {
    m = parse_manifest(in);
  } catch (const BundleError&) {
    return 0;
  }
  try {
    if (parse_manifest(serialize_manifest(m)) != m) __builtin_trap();
  } catch (const BundleError&) {
    __builtin_trap();  // what we write, we must read
  }
  return 0;
}
