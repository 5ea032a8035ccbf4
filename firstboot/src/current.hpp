// The answers a set-up system currently embodies, read back from its files and store: the
// starting values of --reconfigure, and the context its checks need (e.g. the relayed domain
// when only the postmaster changes). Secrets (passwords, keys) are never read back.
#pragma once
#include "answers.hpp"
#include "steps/step.hpp"

namespace portcullis::firstboot {

AnswerMap current_answers(StepContext& ctx);

}  // namespace portcullis::firstboot
