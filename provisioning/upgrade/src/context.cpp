#include "context.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace portcullis::upgrade {

core::Config Context::load(const Layout& layout) {
  try {
    return core::load_config(layout.config, layout.config.parent_path());
  } catch (const std::exception& e) {
    throw Refused("cannot read the gateway's configuration: " + std::string(e.what()));
  }
}

std::vector<std::string> trusted_keys(const Layout& layout) {
  std::vector<std::filesystem::path> files;
  for (const auto& dir : layout.key_dirs) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.is_regular_file() && e.path().extension() == ".pub") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> keys;
  for (const auto& f : files)
    if (auto text = core::read_file(f)) keys.push_back(*text);
  return keys;
}

}  // namespace portcullis::upgrade
