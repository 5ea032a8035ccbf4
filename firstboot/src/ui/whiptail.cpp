// Runs /usr/bin/whiptail for each prompt (see whiptail.hpp).
#include "ui/whiptail.hpp"

#include "core/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace portcullis::firstboot {
using core::exec_argv;
using core::Pipe;
using core::read_all;
using core::wait_for;
namespace {

constexpr int box_width = 76;  // an 80-column console
constexpr int max_height = 22;  // a 24-line console, less the back title
constexpr int text_width = box_width - 4;

// How many lines whiptail needs for `text` at the box's width (a guess on the safe side:
// word wrapping can only add lines, so each line gets a little slack).
int text_lines(const std::string& text) {
  int lines = 0;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find('\n', start);
    const std::size_t len = (end == std::string::npos ? text.size() : end) - start;
    lines += 1 + static_cast<int>(len * 11 / 10) / text_width;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// The box options common to every prompt.
std::vector<std::string> common(const std::string& backtitle, const std::string& title) {
  return {"--backtitle", backtitle, "--title", title};
}

std::optional<std::string> text_answer(const Whiptail::Result& r) {
  if (r.status != 0) return std::nullopt;
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

Whiptail::Whiptail(std::string backtitle, std::string program)
    : backtitle_(std::move(backtitle)), program_(std::move(program)) {
  if (::access(program_.c_str(), X_OK) != 0)
    throw std::runtime_error(program_ + " is missing (install the whiptail package), so there are no console dialogs;"
                             " give the answers another way, e.g. --answers FILE");
  if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
    throw std::runtime_error("the interactive dialogs need a terminal on stdin and stdout");
}

Whiptail::Result Whiptail::run(const std::vector<std::string>& options, const std::vector<std::string>& box_args) const {
  Pipe answer;
  // Everything the child needs is built before fork: it only calls async-signal-safe functions.
  std::vector<std::string> args{program_, "--output-fd", std::to_string(answer.write.get())};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");
  args.insert(args.end(), box_args.begin(), box_args.end());
  const auto argv = exec_argv(args);

  std::cout.flush();
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // The answer's pipe stays open across exec; the terminal is stdin/stdout as they are.
    if (::fcntl(answer.write.get(), F_SETFD, 0) != 0) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  answer.write.reset();

  Result result;
  result.output = read_all(answer.read.get(), 65536);
  const int status = wait_for(pid);
  if (WIFSIGNALED(status)) throw std::runtime_error("whiptail ended by signal " + std::to_string(WTERMSIG(status)));
  result.status = WEXITSTATUS(status);
  if (result.status == 127) throw std::runtime_error("cannot run " + program_);
  return result;
}

std::optional<std::string> Whiptail::input(const std::string& title, const std::string& text,
                                           const std::string& value) {
  auto options = common(backtitle_, title);
  options.insert(options.end(), {"--ok-button", "Next", "--cancel-button", "Back", "--inputbox"});
  const int height = std::min(max_height, text_lines(text) + 7);
  return text_answer(run(options, {text, std::to_string(height), std::to_string(box_width), value}));
}

std::optional<std::string> Whiptail::password(const std::string& title, const std::string& text) {
  // Never an initial value: it would be on the command line for every process to read.
  auto options = common(backtitle_, title);
  options.insert(options.end(), {"--ok-button", "Next", "--cancel-button", "Back", "--passwordbox"});
  const int height = std::min(max_height, text_lines(text) + 7);
  return text_answer(run(options, {text, std::to_string(height), std::to_string(box_width)}));
}

std::optional<std::string> Whiptail::menu(const std::string& title, const std::string& text,
                                          const std::vector<MenuItem>& items, const std::string& selected) {
  auto options = common(backtitle_, title);
  options.insert(options.end(), {"--ok-button", "Next", "--cancel-button", "Back"});
  if (std::any_of(items.begin(), items.end(), [&](const MenuItem& i) { return i.tag == selected; }))
    options.insert(options.end(), {"--default-item", selected});
  options.emplace_back("--menu");
  const int lines = text_lines(text);
  const int list_height = std::max(3, std::min(static_cast<int>(items.size()), max_height - lines - 7));
  const int height = std::min(max_height, lines + list_height + 7);
  std::vector<std::string> box{text, std::to_string(height), std::to_string(box_width), std::to_string(list_height)};
  for (const auto& item : items) {
    box.push_back(item.tag);
    box.push_back(item.label);
  }
  return text_answer(run(options, box));
}

std::optional<bool> Whiptail::yesno(const std::string& title, const std::string& text, const std::string& yes_label,
                                    const std::string& no_label, bool default_no) {
  auto options = common(backtitle_, title);
  options.insert(options.end(), {"--yes-button", yes_label, "--no-button", no_label});
  if (default_no) options.emplace_back("--defaultno");
  const int wanted = text_lines(text) + 6;
  if (wanted > max_height) options.emplace_back("--scrolltext");
  options.emplace_back("--yesno");
  const auto r = run(options, {text, std::to_string(std::min(max_height, wanted)), std::to_string(box_width)});
  if (r.status == 0) return true;
  if (r.status == 1) return false;
  return std::nullopt;
}

std::optional<bool> Whiptail::review(const std::string& title, const std::string& text,
                                     const std::vector<MenuItem>& rows, const std::string& yes_label,
                                     const std::string& no_label) {
  // A menu rather than a scrolling yes/no box: its list keeps the focus, so arrows scroll and
  // Enter means the yes button (a scrolling text box would swallow Enter).
  auto options = common(backtitle_, title);
  options.insert(options.end(), {"--ok-button", yes_label, "--cancel-button", no_label, "--menu"});
  const int lines = text_lines(text);
  const int list_height = std::max(3, std::min(static_cast<int>(rows.size()), max_height - lines - 7));
  const int height = std::min(max_height, lines + list_height + 7);
  std::vector<std::string> box{text, std::to_string(height), std::to_string(box_width), std::to_string(list_height)};
  for (const auto& row : rows) {
    box.push_back(row.tag);
    box.push_back(row.label);
  }
  const auto r = run(options, box);
  if (r.status == 0) return true;
  if (r.status == 1) return false;
  return std::nullopt;
}

void Whiptail::msgbox(const std::string& title, const std::string& text) {
  auto options = common(backtitle_, title);
  const int wanted = text_lines(text) + 6;
  if (wanted > max_height) options.emplace_back("--scrolltext");
  options.emplace_back("--msgbox");
  run(options, {text, std::to_string(std::min(max_height, wanted)), std::to_string(box_width)});
}

}  // namespace portcullis::firstboot
