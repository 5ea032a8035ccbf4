// A temporary folder for one test, removed with everything in it when the test ends.
#pragma once
#include <stdlib.h>

#include <filesystem>

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/portcullis-spool-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};
