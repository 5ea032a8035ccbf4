// checks/scanner/chunk_source.hpp: a chunk source over a string.
#include "checks/scanner/chunk_source.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace portcullis::checks::scanner {

namespace {

boost::asio::awaitable<std::string> chunk_of(std::shared_ptr<const std::string> text, std::uint64_t offset,
                                             std::size_t max) {
  if (offset >= text->size()) co_return std::string();
  const auto at = static_cast<std::size_t>(offset);
  co_return text->substr(at, std::min(max, text->size() - at));
}

}  // namespace

ChunkSource string_source(std::string message) {
  auto text = std::make_shared<const std::string>(std::move(message));
  // Not a coroutine itself: the coroutine (chunk_of) owns a share of the text, so the awaitable
  // stays valid even if this function object goes away before it is awaited.
  return [text](std::uint64_t offset, std::size_t max) { return chunk_of(text, offset, max); };
}

}  // namespace portcullis::checks::scanner
