// A header field written folded (RFC 5322 2.2.3): items separated by a space, or by a fold
// ("\r\n\t") when the line would grow past 78 octets (a long item stays whole on its line).
// Used by the DKIM signer and the ARC sealer for the fields they write.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace portcullis::checks::dkim {

class Folder {
 public:
  static constexpr std::size_t kLineMax = 78;

  explicit Folder(std::string start) : text_(std::move(start)), line_(text_.size()) {}
  void add(std::string_view item, bool space = true) {
    const std::size_t need = item.size() + (space ? 1 : 0);
    if (line_ > 1 && line_ + need > kLineMax) {
      text_ += "\r\n\t";
      line_ = 1;
    } else if (space) {
      text_ += ' ';
      ++line_;
    }
    text_ += item;
    line_ += item.size();
  }
  void fold() {
    text_ += "\r\n\t";
    line_ = 1;
  }
  std::string& text() { return text_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::size_t line_;
};

}  // namespace portcullis::checks::dkim
