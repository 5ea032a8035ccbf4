// The console dialogs of the interactive wizard: each prompt runs /usr/bin/whiptail on this
// terminal (fork/exec, no shell; the answer comes back through a pipe given as --output-fd).
// Boxes are sized for an 80x24 console; whiptail wraps the text.
#pragma once
#include <string>
#include <vector>

#include "ui/dialogs.hpp"

namespace portcullis::firstboot {

class Whiptail final : public Dialogs {
 public:
  // Throws std::runtime_error if whiptail is missing or stdin/stdout is not a terminal.
  explicit Whiptail(std::string backtitle = "Portcullis setup", std::string program = "/usr/bin/whiptail");

  std::optional<std::string> input(const std::string& title, const std::string& text,
                                   const std::string& value) override;
  std::optional<std::string> password(const std::string& title, const std::string& text) override;
  std::optional<std::string> menu(const std::string& title, const std::string& text,
                                  const std::vector<MenuItem>& items, const std::string& selected) override;
  std::optional<bool> yesno(const std::string& title, const std::string& text, const std::string& yes_label,
                            const std::string& no_label, bool default_no) override;
  std::optional<bool> review(const std::string& title, const std::string& text, const std::vector<MenuItem>& rows,
                             const std::string& yes_label, const std::string& no_label) override;
  void msgbox(const std::string& title, const std::string& text) override;

  // What one whiptail run gave: its exit status (0 OK/Yes, 1 Cancel/No, 255 Esc) and output.
  struct Result {
    int status = 0;
    std::string output;
  };
  // Runs whiptail with `options` (--title ... --inputbox) and the box's arguments after "--",
  // so no value is ever taken for an option.
  Result run(const std::vector<std::string>& options, const std::vector<std::string>& box_args) const;

 private:
  std::string backtitle_;
  std::string program_;
};

}  // namespace portcullis::firstboot
