// portcullis-firstboot: the first-boot setup wizard. Wiring only: options, the answers'
// source, then setup.hpp. Exit status: 0 done (or nothing to do), 1 a step failed (the state
// is kept; the next run continues), 2 bad usage or bad answers (nothing was changed).
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "answers.hpp"
#include "core/config.hpp"
#include "core/text.hpp"
#include "current.hpp"
#include "discover.hpp"
#include "setup.hpp"
#include "sources/answers_file.hpp"
#include "state.hpp"
#include "steps/step.hpp"
#include "ui/wizard.hpp"

namespace fb = portcullis::firstboot;
namespace fs = std::filesystem;

namespace {

constexpr const char* usage = R"(usage: portcullis-firstboot [options]
  --answers FILE        take the answers from FILE (answers.toml) instead of asking
  --interactive         ask on this terminal (whiptail dialogs)
  --auto                the boot unit's mode: continue an interrupted setup, else look for
                        answers (kernel command line, seed disk PORTCULLIS, OVF properties,
                        Hyper-V KVP), else ask on the terminal
  --check               only check the answers (--answers FILE) and print every problem
  --reconfigure STEP    apply one step again on a set-up system (answers from --answers, or
                        asked with --interactive, starting from the current values)
  --list-steps          print the steps
  --root DIR            set up the system tree at DIR instead of / (a mounted image)
  --config FILE         the bootstrap configuration (default ROOT/etc/portcullis/portcullis.toml)
  --seed DIR, --ovf-env FILE, --kvp FILE, --cmdline FILE
                        read that answers source from here instead of the machine's
)";

struct Options {
  fs::path root = "/";
  std::optional<fs::path> config, answers;
  bool interactive = false, automatic = false, check = false, list = false;
  std::optional<std::string> reconfigure;
  fb::DiscoverOptions discover;
};

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw Usage(a + " needs a value");
      return args[++i];
    };
    if (a == "--root") o.root = value();
    else if (a == "--config") o.config = fs::path(value());
    else if (a == "--answers") o.answers = fs::path(value());
    else if (a == "--interactive") o.interactive = true;
    else if (a == "--auto") o.automatic = true;
    else if (a == "--check") o.check = true;
    else if (a == "--list-steps") o.list = true;
    else if (a == "--reconfigure") o.reconfigure = value();
    else if (a == "--seed") o.discover.seed_dir = fs::path(value());
    else if (a == "--ovf-env") o.discover.ovf_env = fs::path(value());
    else if (a == "--kvp") o.discover.kvp_pool = fs::path(value());
    else if (a == "--cmdline") o.discover.cmdline = value();
    else if (a == "--help" || a == "-h") throw Usage("");
    else throw Usage("unknown option " + a);
  }
  if (int(o.answers.has_value()) + int(o.interactive) + int(o.automatic) > 1)
    throw Usage("choose one of --answers, --interactive, --auto");
  if (o.check && !o.answers) throw Usage("--check needs --answers FILE");
  if (o.root.is_relative()) o.root = fs::absolute(o.root);
  return o;
}

portcullis::core::Config load_config(const Options& o) {
  const fs::path file = o.config.value_or(o.root / "etc/portcullis/portcullis.toml");
  std::error_code ec;
  if (!o.config && !fs::exists(file, ec)) return portcullis::core::parse_config("", "defaults");
  return portcullis::core::load_config(file);
}

fb::AnswerMap read_answers_file(const fs::path& file) {
  const auto text = portcullis::core::read_file(file);
  if (!text) throw fb::SourceError("cannot read " + file.string());
  auto answers = fb::parse_answers_toml(*text, file.string());
  std::error_code ec;
  const auto perms = fs::status(file, ec).permissions();
  if (!ec && answers.contains("admin.password") && (perms & fs::perms::others_read) != fs::perms::none)
    std::cerr << "portcullis-firstboot: warning: " << file.string()
              << " holds the admin password and every user can read it; delete it when done\n";
  return answers;
}

int report(const std::vector<fb::FieldError>& errors, const std::string& what) {
  std::cerr << "portcullis-firstboot: " << what << ":\n";
  for (const auto& e : errors) std::cerr << "  " << e.field << ": " << e.message << '\n';
  std::cerr << "nothing was changed.\n";
  return 2;
}

int reconfigure(const Options& o, const fb::Target& target) {
  const fb::Step* step = fb::find_step(*o.reconfigure);
  if (!step) throw Usage("unknown step '" + *o.reconfigure + "' (see --list-steps)");
  if (step->fields.empty()) throw Usage("step " + step->name + " takes no answers; it runs only at first boot");
  fb::AnswerMap preset;
  {
    const fb::Answers none;
    fb::StepContext ctx(target, none);
    preset = fb::current_answers(ctx);
  }
  const fb::ValidationContext vctx{o.root, o.answers ? fs::absolute(*o.answers).parent_path() : fs::current_path()};
  fb::AnswerMap answers;
  if (o.answers) {
    answers = preset;
    for (const auto& [k, v] : read_answers_file(*o.answers)) {
      if (std::find(step->fields.begin(), step->fields.end(), k) == step->fields.end())
        throw Usage(k + " is not an answer of step " + step->name);
      answers[k] = v;
    }
  } else if (o.interactive) {
    auto asked = fb::run_dialogs(preset, vctx, {step});
    if (!asked) {
      std::cerr << "portcullis-firstboot: cancelled, nothing was changed.\n";
      return 2;
    }
    answers = *asked;
  } else {
    throw Usage("--reconfigure needs --answers FILE or --interactive");
  }
  if (const auto errors = fb::validate_fields(answers, vctx, step->fields); !errors.empty())
    return report(errors, "the answers for step " + step->name + " are not usable");
  answers = fb::hash_password(fb::inline_files(fb::with_defaults(answers), vctx));
  fb::run_step(target, *step, answers);
  return 0;
}

int first_boot(const Options& o, const fb::Target& target) {
  const fb::State state(target);
  if (state.completed()) {
    std::cout << "portcullis-firstboot: this system is set up already (" << (o.root / fb::state_dir / "completed").string()
              << "); to change one part: portcullis-firstboot --reconfigure STEP\n";
    return 0;
  }
  fb::AnswerMap answers;
  const fb::ValidationContext vctx{o.root, o.answers ? fs::absolute(*o.answers).parent_path() : fs::current_path()};
  if (auto saved = state.saved_answers()) {
    std::cout << "continuing the setup that was interrupted (finished steps are skipped)\n";
    answers = std::move(*saved);
    if (const auto errors = fb::validate(answers, vctx); !errors.empty())
      throw std::runtime_error("the saved answers are damaged:\n" + fb::describe(errors));
  } else {
    std::string source;
    if (o.answers) {
      answers = read_answers_file(*o.answers);
      source = o.answers->string();
    } else if (o.automatic) {
      if (auto found = fb::discover(target, o.discover)) {
        answers = std::move(found->answers);
        source = found->source;
      }
    }
    if (source.empty()) {
      if (!o.interactive && !(o.automatic && ::isatty(STDIN_FILENO)))
        throw Usage(o.automatic ? "no answers found and no terminal to ask on" : "give --answers FILE, --interactive or --auto");
      auto asked = fb::run_dialogs(fb::with_defaults({}), vctx, [] {
        std::vector<const fb::Step*> asked_steps;
        for (const auto& s : fb::all_steps())
          if (!s.fields.empty()) asked_steps.push_back(&s);
        return asked_steps;
      }());
      if (!asked) {
        std::cerr << "portcullis-firstboot: setup cancelled, nothing was changed.\n";
        return 2;
      }
      answers = std::move(*asked);
      source = "the console";
    }
    if (const auto errors = fb::validate(answers, vctx); !errors.empty())
      return report(errors, "the answers from " + source + " are not usable");
    if (o.check) {
      std::cout << "the answers from " << source << " are complete and valid\n";
      return 0;
    }
    std::cout << "answers from " << source << '\n';
    answers = fb::hash_password(fb::inline_files(fb::with_defaults(answers), vctx));
    state.save_answers(answers);
  }
  fb::run_setup(target, state, answers);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(std::vector<std::string>(argv + 1, argv + argc));
    if (o.list) {
      for (const auto& s : fb::all_steps()) std::cout << s.name << "\t" << s.title << '\n';
      return 0;
    }
    if (::geteuid() != 0) throw std::runtime_error("must run as root (it writes system files and secrets)");
    const fb::Target target(o.root, load_config(o), std::cout);
    return o.reconfigure ? reconfigure(o, target) : first_boot(o, target);
  } catch (const Usage& e) {
    if (*e.what()) std::cerr << "portcullis-firstboot: " << e.what() << '\n';
    std::cerr << usage;
    return 2;
  } catch (const fb::SourceError& e) {
    std::cerr << "portcullis-firstboot: " << e.what() << "\nnothing was changed.\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "portcullis-firstboot: " << e.what() << '\n';
    return 1;
  }
}
