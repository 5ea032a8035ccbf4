// The wizard's steps. Each applies one part of the answers to the target tree and is
// idempotent: run twice with the same answers it leaves the same result, so a setup cut off
// by a power loss simply runs the unfinished step again at the next boot.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "answers.hpp"
#include "store/store.hpp"
#include "target.hpp"

namespace portcullis::firstboot {

// What a step works with. The store is opened (and migrated) on first use.
class StepContext {
 public:
  StepContext(const Target& t, const Answers& a) : target(t), answers(a) {}
  ~StepContext();
  StepContext(const StepContext&) = delete;
  StepContext& operator=(const StepContext&) = delete;

  const Target& target;
  const Answers& answers;
  store::Store& store();
  // Closes the store and hands its SQLite files to the daemon's user (no-op for MariaDB).
  void close_store();

 private:
  std::unique_ptr<store::Store> store_;
};

struct Step {
  std::string name;                 // for --reconfigure
  std::string title;                // for the console
  std::vector<std::string> fields;  // the answers it asks for (empty: none, it creates secrets)
  std::function<void(StepContext&)> apply;
};

// In the order they run.
const std::vector<Step>& all_steps();
const Step* find_step(std::string_view name);

// The step functions, one file each under steps/.
void apply_secrets(StepContext& ctx);   // machine-id, SSH host keys, control socket group
void apply_database(StepContext& ctx);  // database passwords and schema
void apply_network(StepContext& ctx);
void apply_hostname(StepContext& ctx);
void apply_timezone(StepContext& ctx);
void apply_admin(StepContext& ctx);
void apply_domain(StepContext& ctx);
void apply_addresses(StepContext& ctx);
void apply_relaynets(StepContext& ctx);
void apply_tls(StepContext& ctx);
void apply_dkim(StepContext& ctx);
void apply_telemetry(StepContext& ctx);

}  // namespace portcullis::firstboot
