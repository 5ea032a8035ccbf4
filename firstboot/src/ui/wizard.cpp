// run_dialogs: the wizard's flow (flow.hpp) on whiptail dialogs (whiptail.hpp).
#include "ui/wizard.hpp"

#include "ui/flow.hpp"
#include "ui/whiptail.hpp"

namespace portcullis::firstboot {

std::optional<AnswerMap> run_dialogs(const AnswerMap& preset, const ValidationContext& context,
                                     const std::vector<const Step*>& steps) {
  Whiptail whiptail;
  return run_flow(whiptail, preset, context, steps);
}

}  // namespace portcullis::firstboot
