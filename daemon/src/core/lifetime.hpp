// Lifetime: lets a coroutine's RAII guard (a session counter, a delivery slot) tell whether the
// object it reports back to still exists. At shutdown a suspended coroutine frame can be
// destroyed after its owner (its completion was parked in the event loop's queue or in the rules
// engine's job list); a guard that holds Lifetime::Token skips its bookkeeping in that case
// instead of writing to freed memory. Single-threaded use on the owner's event loop.
#pragma once
#include <memory>

namespace portcullis::core {

class Lifetime {
 public:
  class Token {
   public:
    explicit Token(std::weak_ptr<const bool> w) : alive_(std::move(w)) {}
    bool alive() const { return !alive_.expired(); }

   private:
    std::weak_ptr<const bool> alive_;
  };

  Token token() const { return Token(alive_); }

 private:
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace portcullis::core
