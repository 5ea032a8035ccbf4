// The wizard's progress on disk (see state.hpp).
#include "state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "core/text.hpp"
#include "sources/answers_file.hpp"

namespace portcullis::firstboot {

std::filesystem::path State::file(const char* name) const {
  return target_.path(std::filesystem::path(state_dir) / name);
}

bool State::completed() const {
  std::error_code ec;
  return std::filesystem::exists(file("completed"), ec);
}

std::optional<AnswerMap> State::saved_answers() const {
  const auto text = core::read_file(file("answers.toml"));
  if (!text) return std::nullopt;
  return parse_answers_toml(*text, file("answers.toml").string());
}

void State::save_answers(const AnswerMap& answers) const {
  target_.make_dir(state_dir, 0700);
  target_.write_file(std::filesystem::path(state_dir) / "answers.toml", render_answers_toml(answers), 0600);
}

std::set<std::string> State::finished_steps() const {
  std::set<std::string> out;
  std::istringstream in(core::read_file(file("steps")).value_or(""));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.insert(line);
  return out;
}

void State::finish_step(const std::string& name) const {
  const auto p = file("steps");
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string() + ": " + std::strerror(errno));
  const std::string line = name + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot record step " + name + " in " + p.string());
}

void State::complete(const std::string& summary) const {
  target_.make_dir(state_dir, 0700);
  target_.write_file(std::filesystem::path(state_dir) / "completed", summary, 0600);
  std::filesystem::remove(file("answers.toml"));
  std::filesystem::remove(file("steps"));
}

}  // namespace portcullis::firstboot
