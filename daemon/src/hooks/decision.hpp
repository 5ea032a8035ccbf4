// The decisions a hook handler can return, as Lua globals: accept(), reject([code,] [text]),
// tempfail([code,] [text]), discard(), quarantine(reason). Their arguments are validated when
// the script calls them (a bad code or text is a script error): reject takes 500-599,
// tempfail 400-499; the text is printable ASCII, at most 400 characters, and gets an enhanced
// status code of the right class if it has none ("5.7.1" / "4.7.1").
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <lua.hpp>

#include "hooks/event.hpp"

namespace portcullis::hooks {

struct Decision {
  Action action = Action::none;
  std::string reply;   // reject/tempfail: "550 5.7.1 text"
  std::string reason;  // quarantine
};

// Validates and builds a reply: nullopt and `error` set when invalid.
std::optional<std::string> make_reply(int code, std::string_view text, bool permanent, std::string& error);

// Adds the decision constructors to the table at `env_index`.
void add_decision_api(lua_State* L, int env_index);
// The decision at `index` (nullopt if the value is not a decision).
std::optional<Decision> to_decision(lua_State* L, int index);

}  // namespace portcullis::hooks
