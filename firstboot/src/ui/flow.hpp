// The order of the interactive wizard's prompts, apart from how they are drawn: which prompt
// comes next given the answers so far and what the admin chose (Next, Back, a value that does
// not validate, Change on the summary). run_dialogs (wizard.hpp) runs it with whiptail, the
// unit tests with a script.
#pragma once
#include <optional>
#include <vector>

#include "answers.hpp"
#include "steps/step.hpp"
#include "ui/dialogs.hpp"

namespace portcullis::firstboot {

// run_dialogs() with the prompts of `dialogs`.
std::optional<AnswerMap> run_flow(Dialogs& dialogs, const AnswerMap& preset, const ValidationContext& context,
                                  const std::vector<const Step*>& steps);

}  // namespace portcullis::firstboot
