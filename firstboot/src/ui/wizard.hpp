// The interactive console mode of portcullis-firstboot: the answers asked in whiptail dialogs.
#pragma once
#include <optional>
#include <vector>

#include "answers.hpp"
#include "steps/step.hpp"

namespace portcullis::firstboot {

// Asks for the answers of `steps` (in order) on the terminal. `preset` gives the starting
// values (defaults, or the current ones for --reconfigure). Returns the answers — preset
// plus what was entered — when the admin chose Apply on the summary, nullopt if they quit.
//
// A welcome screen (when there is more than one step), then each step's fields; a step whose
// values do not validate is shown with its errors and asked again. Back goes to the previous
// field or step; Back on the first prompt asks whether to quit. A summary at the end: Apply,
// or Change to go to a step and come back. Throws std::runtime_error without a terminal or
// without whiptail.
std::optional<AnswerMap> run_dialogs(const AnswerMap& preset, const ValidationContext& context,
                                     const std::vector<const Step*>& steps);

}  // namespace portcullis::firstboot
