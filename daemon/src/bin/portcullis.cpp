// portcullis: the admin CLI. Wiring only: see cli/commands.hpp.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return portcullis::cli::run(args, std::cout, std::cerr);
}
