// The wizard's progress in the target tree, /var/lib/portcullis-firstboot (root only):
//   answers.toml  the validated answers, with the password replaced by its hashes (0600),
//                 written once before the first step runs
//   steps         the names of the finished steps, one per line, appended and synced
//   completed     the stamp of a finished setup (date, version); the unit does not run again
//                 while it exists (ConditionPathExists=!)
// A run cut off anywhere continues from this state: the answers are taken from answers.toml,
// finished steps are skipped, and an unfinished step runs again (every step is idempotent).
// When the setup completes, answers.toml and steps are deleted: nothing secret stays behind.
#pragma once
#include <optional>
#include <set>
#include <string>

#include "answers.hpp"
#include "target.hpp"

namespace portcullis::firstboot {

inline constexpr const char* state_dir = "/var/lib/portcullis-firstboot";

class State {
 public:
  explicit State(const Target& target) : target_(target) {}

  bool completed() const;
  std::optional<AnswerMap> saved_answers() const;  // throws SourceError if unreadable
  void save_answers(const AnswerMap& answers) const;
  std::set<std::string> finished_steps() const;
  void finish_step(const std::string& name) const;
  void complete(const std::string& summary) const;

 private:
  std::filesystem::path file(const char* name) const;
  const Target& target_;
};

}  // namespace portcullis::firstboot
