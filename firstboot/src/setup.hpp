// Running the steps: the whole first-boot setup (resumable, see state.hpp) or one step again
// on a set-up system (--reconfigure).
#pragma once
#include <string>

#include "answers.hpp"
#include "state.hpp"
#include "steps/step.hpp"
#include "target.hpp"

namespace portcullis::firstboot {

// Runs every step not yet finished with the saved answers (validated, password hashed, files
// inlined), recording each, then writes the stamp and prints where to reach the gateway.
// Throws on the first failing step; the state stays for the next run.
void run_setup(const Target& target, const State& state, const AnswerMap& answers);

// Applies one step with `answers` (its fields checked already).
void run_step(const Target& target, const Step& step, const AnswerMap& answers);

}  // namespace portcullis::firstboot
