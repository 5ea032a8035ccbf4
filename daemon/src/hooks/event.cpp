#include "hooks/event.hpp"

#include <array>

namespace portcullis::hooks {
namespace {
constexpr std::array<std::string_view, kEventKinds> kNames{
    "connect", "helo", "mail", "rcpt", "data", "deliver_start", "deliver", "delivered", "delivery_failed", "error"};
constexpr std::array<std::string_view, kEventKinds> kHandlers{
    "on_connect", "on_helo",    "on_mail",      "on_rcpt",           "on_data",
    "on_deliver_start", "on_deliver", "on_delivered", "on_delivery_failed", "on_error"};
}  // namespace

std::string_view handler_name(EventKind kind) { return kHandlers[static_cast<std::size_t>(kind)]; }
std::string_view event_name(EventKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::string_view action_name(Action a) {
  switch (a) {
    case Action::none: return "continue";
    case Action::accept: return "accept";
    case Action::reject: return "reject";
    case Action::tempfail: return "tempfail";
    case Action::discard: return "discard";
    case Action::quarantine: return "quarantine";
  }
  return "continue";
}

}  // namespace portcullis::hooks
