// Every ```lua block of docs/lua-api.md and docs/admin-guide.md loads in the sandbox as a
// rules file of its own, so the documented examples cannot drift from the real API.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

const std::filesystem::path kSource = PORTCULLIS_SOURCE_DIR;

std::vector<std::string> lua_blocks(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> blocks;
  std::string line, current;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```lua") {
      inside = true;
      current.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(current);
    } else if (inside) {
      current += line + "\n";
    }
  }
  EXPECT_FALSE(inside) << file << ": unterminated ```lua block";
  return blocks;
}

TEST(DocsExamples, EveryLuaBlockLoads) {
  std::size_t total = 0;
  for (const char* doc : {"docs/lua-api.md", "docs/admin-guide.md"}) {
    const auto blocks = lua_blocks(kSource / doc);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      RulesEngine r;
      r.folder.write("example.lua", blocks[i]);
      const LoadReport rep = r.load();
      EXPECT_NE(rep.rules, nullptr) << doc << " block " << i + 1 << ":\n"
                                    << blocks[i] << (rep.errors.empty() ? "" : rep.errors.front());
      ++total;
    }
  }
  // lua-api.md has one example per event and more; the admin guide one rule.
  EXPECT_GE(total, 15u);
}

}  // namespace
}  // namespace portcullis::hooks::testing
