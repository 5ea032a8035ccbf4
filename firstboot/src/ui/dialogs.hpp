// The prompts the interactive wizard needs, as an interface: whiptail.hpp draws them on the
// console, the unit tests answer them from a script. The flow (wizard.hpp) only sees this.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace portcullis::firstboot {

struct MenuItem {
  std::string tag;    // what menu() returns
  std::string label;  // what the admin reads
};

class Dialogs {
 public:
  virtual ~Dialogs() = default;

  // A line of text, starting as `value`. nullopt: Back (or Esc).
  virtual std::optional<std::string> input(const std::string& title, const std::string& text,
                                           const std::string& value) = 0;
  // A hidden line of text, always starting empty. nullopt: Back (or Esc).
  virtual std::optional<std::string> password(const std::string& title, const std::string& text) = 0;
  // One of `items`, starting at the tag `selected`. nullopt: Back (or Esc).
  virtual std::optional<std::string> menu(const std::string& title, const std::string& text,
                                          const std::vector<MenuItem>& items, const std::string& selected) = 0;
  // true: the yes button, false: the no button, nullopt: Esc. `default_no` focuses the no button.
  virtual std::optional<bool> yesno(const std::string& title, const std::string& text, const std::string& yes_label,
                                    const std::string& no_label, bool default_no) = 0;
  // Rows of name and value to look over (a scrolling list), with two buttons: true: the yes
  // button (also Enter), false: the no button, nullopt: Esc.
  virtual std::optional<bool> review(const std::string& title, const std::string& text,
                                     const std::vector<MenuItem>& rows, const std::string& yes_label,
                                     const std::string& no_label) = 0;
  // A message to read and confirm (long text scrolls).
  virtual void msgbox(const std::string& title, const std::string& text) = 0;
};

}  // namespace portcullis::firstboot
