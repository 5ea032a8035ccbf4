// How the interactive wizard asks for each answer: the kind of prompt, its one-line help, the
// choices of the mode fields, and which answers apply given the others (static network
// fields, imported certificate files). The answers that are never asked (the password's hashes,
// inline PEM) have no prompt.
#pragma once
#include <string>
#include <vector>

#include "answers.hpp"
#include "ui/dialogs.hpp"

namespace portcullis::firstboot {

enum class PromptKind {
  text,      // one line
  list,      // one line, comma-separated items
  password,  // asked twice, hidden
  menu,      // one of `choices`
  yesno,     // "true" or "false"
};

struct FieldPrompt {
  std::string key;
  PromptKind kind;
  std::string label;  // "Host name (fully qualified, e.g. mx.example.org)"
  std::vector<MenuItem> choices;
};

// The prompt of `key`; nullptr for an answer the dialogs never ask.
const FieldPrompt* field_prompt(const std::string& key);

// Whether `key` is used with these answers: the static network fields only for
// network.mode = static, the tls.* files and PEM only for tls.mode = import.
bool field_in_use(const std::string& key, const AnswerMap& answers);

// The keys of `fields` the dialogs ask with these answers, in order.
std::vector<std::string> asked_fields(const std::vector<std::string>& fields, const AnswerMap& answers);

// The answers without the keys that are not in use (what is validated and returned).
AnswerMap in_use_answers(const AnswerMap& answers);

}  // namespace portcullis::firstboot
