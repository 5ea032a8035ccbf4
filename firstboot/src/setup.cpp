// Running the steps (see setup.hpp).
#include "core/version.hpp"
#include "setup.hpp"

#include <ctime>
#include <sstream>

namespace portcullis::firstboot {
namespace {

// The console's login screen says where the gateway is (agetty expands \4 and \6 to the
// interface addresses), so an admin sees it without logging in.
void write_issue(const Target& t, const Answers& a) {
  std::ostringstream f;
  f << "\nPortcullis mail gateway " << a.hostname << "\n"
    << "  SMTP (port 25) on \\4 \\6\n"
    << "  administrator login: " << a.admin_user << "\n\n";
  t.write_file("/etc/issue.d/portcullis.issue", f.str(), 0644);
}

}  // namespace

void run_setup(const Target& target, const State& state, const AnswerMap& map) {
  const Answers answers = typed_answers(map, {target.root(), {}});
  const auto finished = state.finished_steps();
  const auto& steps = all_steps();
  StepContext ctx(target, answers);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    target.log() << "[" << i + 1 << "/" << steps.size() << "] " << step.title;
    if (finished.contains(step.name)) {
      target.log() << ": done before\n";
      continue;
    }
    target.log() << '\n' << std::flush;
    try {
      step.apply(ctx);
    } catch (const std::exception& e) {
      throw std::runtime_error("step " + step.name + " failed: " + e.what());
    }
    state.finish_step(step.name);
  }
  ctx.close_store();  // the SQLite files to the gateway's user (also on a failure: ~StepContext)
  write_issue(target, answers);
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  state.complete(std::string("completed ") + date + " by portcullis-firstboot " + core::version() + "\n");
  target.log() << "\nPortcullis is set up: " << answers.hostname << " relays mail for " << answers.mail_domain << " to "
               << answers.destination_host << ".\n"
               << "Point the MX record of " << answers.mail_domain << " at " << answers.hostname
               << (answers.network.dhcp ? "" : " (" + answers.network.address.substr(0, answers.network.address.find('/')) + ")")
               << " and publish the DKIM record above.\n"
               << "Mail is deferred (451, nothing is lost) until ClamAV has its virus signatures: freshclam "
                  "fetches them after this boot; `portcullis status` shows \"clamd up\" once they are there "
                  "(docs/appliance.md).\n";
}

void run_step(const Target& target, const Step& step, const AnswerMap& map) {
  const Answers answers = typed_answers(map, {target.root(), {}});
  StepContext ctx(target, answers);
  target.log() << step.title << '\n';
  step.apply(ctx);
  ctx.close_store();
}

}  // namespace portcullis::firstboot
