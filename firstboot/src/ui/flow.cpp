// The interactive wizard's flow (see flow.hpp and wizard.hpp for the behaviour).
#include "ui/flow.hpp"

#include <algorithm>

#include "ui/fields.hpp"

namespace portcullis::firstboot {
namespace {

constexpr const char* hidden_password = "********";

std::string value_of(const AnswerMap& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? std::string{} : it->second;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

class Flow {
 public:
  Flow(Dialogs& dialogs, const AnswerMap& preset, const ValidationContext& context,
       const std::vector<const Step*>& steps)
      : dialogs_(dialogs), preset_(preset), context_(context), answers_(preset), welcome_(steps.size() > 1) {
    // Steps without a question (the secrets, the database) are not shown.
    for (const Step* s : steps)
      if (std::any_of(s->fields.begin(), s->fields.end(), [](const std::string& k) { return field_prompt(k); }))
        steps_.push_back(s);
  }

  std::optional<AnswerMap> run() {
    if (welcome_) dialogs_.msgbox("Welcome", welcome_text());
    std::size_t i = 0;
    bool from_last = false;
    while (i < steps_.size()) {
      switch (ask_step(i, from_last, i == 0)) {
        case Outcome::quit: return std::nullopt;
        case Outcome::back:  // i > 0: Back on the very first prompt offers to quit instead
          --i;
          from_last = true;
          break;
        case Outcome::next:
          ++i;
          from_last = false;
          break;
      }
    }
    if (steps_.empty()) return in_use_answers(answers_);
    return summary();
  }

 private:
  enum class Outcome { next, back, quit };

  // The summary until Apply with answers that validate; Change re-asks a step.
  std::optional<AnswerMap> summary() {
    std::string last_changed;
    for (;;) {
      const auto apply = dialogs_.review(
          "Summary", "Apply sets up the gateway with these answers; Change goes back to a part.", summary_rows(),
          "Apply", "Change");
      if (apply.value_or(false)) {
        // A change to one step can invalidate another (a new domain, the old postmaster).
        const auto bad = first_step_with_errors();
        if (!bad) return in_use_answers(answers_);
        change(*bad);
        continue;
      }
      if (steps_.size() == 1) {
        change(0);
        continue;
      }
      std::vector<MenuItem> items;
      for (const Step* s : steps_) items.push_back({s->name, s->title});
      const auto tag = dialogs_.menu("Change", "Which part do you want to change?", items, last_changed);
      if (!tag) continue;
      const auto it = std::find_if(steps_.begin(), steps_.end(), [&](const Step* s) { return s->name == *tag; });
      if (it == steps_.end()) continue;
      last_changed = *tag;
      change(static_cast<std::size_t>(it - steps_.begin()));
    }
  }

  // Re-asks step i from the summary; Back on its first prompt undoes the change.
  void change(std::size_t i) {
    const AnswerMap before = answers_;
    if (ask_step(i, false, false) != Outcome::next) answers_ = before;
  }

  std::optional<std::size_t> first_step_with_errors() {
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      const auto errors = validate_fields(in_use_answers(answers_), context_, steps_[i]->fields);
      if (!errors.empty()) {
        dialogs_.msgbox(steps_[i]->title, "Please correct:\n\n" + describe(errors));
        forget_rejected_password(errors);
        return i;
      }
    }
    return std::nullopt;
  }

  // Step i's fields until they validate. `from_last`: start at its last field (after Back).
  // `can_quit`: Back on the first field offers to quit instead of going back.
  Outcome ask_step(std::size_t i, bool from_last, bool can_quit) {
    for (;;) {
      const Outcome o = ask_fields(i, from_last, can_quit);
      if (o != Outcome::next) return o;
      const auto errors = validate_fields(in_use_answers(answers_), context_, steps_[i]->fields);
      if (errors.empty()) return Outcome::next;
      dialogs_.msgbox(steps_[i]->title, "Please correct:\n\n" + describe(errors));
      forget_rejected_password(errors);
      from_last = false;
    }
  }

  Outcome ask_fields(std::size_t i, bool from_last, bool can_quit) {
    const Step& step = *steps_[i];
    const std::string title =
        steps_.size() == 1 ? step.title
                           : step.title + " (" + std::to_string(i + 1) + "/" + std::to_string(steps_.size()) + ")";
    std::size_t j = 0;
    if (from_last) j = asked_fields(step.fields, answers_).size() - 1;
    for (;;) {
      // Recomputed each time: a mode field decides which fields follow it.
      const auto fields = asked_fields(step.fields, answers_);
      if (j >= fields.size()) return Outcome::next;
      if (ask_field(title, *field_prompt(fields[j]))) {
        ++j;
      } else if (j > 0) {
        --j;
      } else if (!can_quit) {
        return Outcome::back;
      } else if (confirm_quit()) {
        return Outcome::quit;
      }
    }
  }

  // One field; false: Back.
  bool ask_field(const std::string& title, const FieldPrompt& p) {
    const std::string current = shown_value(p.key);
    switch (p.kind) {
      case PromptKind::text:
      case PromptKind::list: {
        const std::string shown = p.kind == PromptKind::list ? join(split_list(current), ", ") : current;
        const auto v = dialogs_.input(title, p.label, shown);
        if (!v) return false;
        set(p.key, p.kind == PromptKind::list ? join(split_list(*v), ",") : trimmed(*v));
        return true;
      }
      case PromptKind::menu: {
        const auto v = dialogs_.menu(title, p.label, p.choices, current);
        if (!v) return false;
        set(p.key, *v);
        return true;
      }
      case PromptKind::yesno: {
        const auto v = dialogs_.yesno(title, p.label, "Yes", "No", current != "true");
        if (!v) return false;
        set(p.key, *v ? "true" : "false");
        return true;
      }
      case PromptKind::password: return ask_password(title, p);
    }
    return false;
  }

  // The password twice; empty keeps one given before (or its hashes, for --reconfigure).
  bool ask_password(const std::string& title, const FieldPrompt& p) {
    for (;;) {
      const bool have = !value_of(answers_, p.key).empty() || !value_of(answers_, "admin.password_scrypt").empty();
      const auto first = dialogs_.password(title, p.label + (have ? "\n(Empty: keep the password given before.)" : ""));
      if (!first) return false;
      if (first->empty()) return true;  // kept, or missing: the step's validation says so
      const auto second = dialogs_.password(title, "Repeat the administrator password");
      if (!second) continue;
      if (*first != *second) {
        dialogs_.msgbox(title, "The two passwords do not match. Please enter them again.");
        continue;
      }
      answers_[p.key] = *first;
      answers_.erase("admin.password_scrypt");
      answers_.erase("admin.password_crypt");
      return true;
    }
  }

  bool confirm_quit() {
    return dialogs_
        .yesno("Quit setup", "Quit the setup? Nothing has been changed on this system.", "Quit", "Continue", true)
        .value_or(false);
  }

  // A rejected password is asked again, not kept as "the password given before".
  void forget_rejected_password(const std::vector<FieldError>& errors) {
    if (std::any_of(errors.begin(), errors.end(), [](const FieldError& e) { return e.field == "admin.password"; }))
      answers_.erase("admin.password");
  }

  // What a prompt starts with: the answer, or the default it would get (which may follow
  // from other answers, e.g. the domain from the host name).
  std::string shown_value(const std::string& key) const {
    const std::string v = value_of(answers_, key);
    return v.empty() ? value_of(with_defaults(answers_), key) : v;
  }

  // Stores an entered value. Empty, or a derived default the preset did not fix, is left out,
  // so the default keeps following its source (a changed host name changes the domain).
  void set(const std::string& key, const std::string& value) {
    AnswerMap without = answers_;
    without.erase(key);
    const bool derived = value == value_of(with_defaults(without), key) && !preset_.contains(key);
    if (value.empty() || derived) answers_.erase(key);
    else answers_[key] = value;
    // A file replaces PEM text given before (e.g. by OVF properties).
    if (key.starts_with("tls.") && !value.empty()) answers_.erase(key + "_pem");
  }

  static std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
  }

  // Every answer of the asked steps, defaults filled in, the password hidden.
  std::vector<MenuItem> summary_rows() const {
    const AnswerMap shown = with_defaults(in_use_answers(answers_));
    std::vector<MenuItem> rows;
    for (const Step* s : steps_) {
      for (const auto& key : asked_fields(s->fields, answers_)) {
        std::string v = value_of(shown, key);
        if (key == "admin.password") {
          const bool set = !v.empty() || !value_of(shown, "admin.password_scrypt").empty();
          v = set ? hidden_password : "";
        }
        if (field_prompt(key)->kind == PromptKind::list) v = join(split_list(v), ", ");
        rows.push_back({key, v.empty() ? "(none)" : v});
      }
    }
    return rows;
  }

  static std::string welcome_text() {
    return "Welcome to Portcullis, the secure email gateway.\n\n"
           "This setup asks for the network, the host name, the administrator account, the protected "
           "domain and its mail server, and the TLS certificate. Nothing is changed before you choose "
           "Apply on the summary at the end.\n\n"
           "Next goes on; Back (or Esc) returns to the previous question.";
  }

  Dialogs& dialogs_;
  const AnswerMap& preset_;
  const ValidationContext& context_;
  AnswerMap answers_;
  bool welcome_;
  std::vector<const Step*> steps_;
};

}  // namespace

std::optional<AnswerMap> run_flow(Dialogs& dialogs, const AnswerMap& preset, const ValidationContext& context,
                                  const std::vector<const Step*>& steps) {
  return Flow(dialogs, preset, context, steps).run();
}

}  // namespace portcullis::firstboot
