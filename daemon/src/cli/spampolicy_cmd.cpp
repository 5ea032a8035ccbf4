// portcullis spam-policy set|remove|list|show|assign|unassign — the spam and malware policies
// (store::SpamPolicy) and which recipients they apply to (store::SpamPolicyTarget); and
// portcullis quarantine-digest set|list — how often recipients hear of their held messages.
// Policies and assignments are policy: the daemon picks changes up through the serial.
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"
#include "store/schema.hpp"
#include "store/spam_rules.hpp"

namespace portcullis::cli {
namespace {

constexpr const char* set_synopsis =
    "spam-policy set NAME [--tag S] [--quarantine S] [--reject S] [--subject-tag TEXT] "
    "[--virus reject|quarantine|discard] [--attachments reject|remove|quarantine|off] [--greylisting on|off] "
    "[--spam-scan on|off] [--virus-scan on|off] [--scanner-failure tempfail|accept] [--note TEXT]";
constexpr std::size_t kMaxNote = 200;
constexpr double kMaxScore = 1000;  // a threshold given as a number; "off" for none

// Schema 7 (kSchemaSpam) brought the tables; a build that knows less (a test build of the previous release)
// has none.
store::Store& spam_store(Context& ctx) {
  auto& s = ctx.store();
  if (s.latest_schema_version() < store::kSchemaSpam)
    throw CommandError("this build's schema (version " + std::to_string(s.latest_schema_version()) +
                       ") has no spam policies");
  return s;
}

std::string lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::string policy_name_arg(const std::string& text) {
  std::string name = lower(text);
  if (!store::is_policy_name(name))
    throw UsageError("'" + text + "' is not a valid policy name (1-64 of a-z, 0-9, '.', '_', '-', starting with a "
                     "letter or a digit)");
  return name;
}

// "5", "7.5", "-2": the shortest form that reads back the same.
std::string number_text(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string threshold_text(double v) { return store::threshold_on(v) ? number_text(v) : "off"; }

double threshold_arg(const std::string& option, const std::string& text) {
  if (text == "off") return store::kThresholdOff;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
      std::fabs(v) > kMaxScore)
    throw UsageError("--" + option + ": expected a score from -1000 to 1000, or off (not '" + text + "')");
  return v;
}

std::string choice_arg(const std::string& option, const std::string& text, std::initializer_list<std::string_view> allowed) {
  if (store::one_of(text, allowed)) return text;
  std::string list;
  std::size_t i = 0;
  for (auto a : allowed) {
    if (i > 0) list += i + 1 == allowed.size() ? " or " : ", ";
    list += a;
    ++i;
  }
  throw UsageError("--" + option + ": expected " + list + " (not '" + text + "')");
}

bool on_off_arg(const std::string& option, const std::string& text) { return choice_arg(option, text, {"on", "off"}) == "on"; }

const char* on_off(bool v) { return v ? "on" : "off"; }

std::string one_line_arg(const std::string& option, const std::string& text, std::size_t max) {
  if (text.size() > max || !store::is_one_line(text))
    throw UsageError("--" + option + ": expected one line of text, at most " + std::to_string(max) + " octets");
  return text;
}

std::optional<store::SpamPolicy> find_policy(store::Store& s, const std::string& name) {
  for (auto& p : s.list_spam_policies())
    if (p.name == name) return std::move(p);
  return std::nullopt;
}

std::string no_such_policy(const std::string& name) {
  return "no spam policy '" + name + "' (see 'portcullis spam-policy list')";
}

std::vector<std::string> targets_of(store::Store& s, const std::string& name) {
  std::vector<std::string> out;
  for (auto& t : s.list_spam_policy_targets())
    if (t.policy == name) out.push_back(std::move(t.target));
  return out;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

std::string summary(const store::SpamPolicy& p) {
  return "tag " + threshold_text(p.tag_score) + ", quarantine " + threshold_text(p.quarantine_score) + ", reject " +
         threshold_text(p.reject_score) + ", virus " + p.virus_action + ", attachments " + p.attachment_action +
         ", greylisting " + on_off(p.greylisting) + ", spam-scan " + on_off(p.spam_scan) + ", virus-scan " +
         on_off(p.virus_scan) + ", scanner-failure " + p.scanner_failure;
}

// The thresholds that are on must rise (the store checks it too; this names the options).
void check_thresholds(const store::SpamPolicy& p) {
  const std::pair<const char*, double> t[] = {
      {"tag", p.tag_score}, {"quarantine", p.quarantine_score}, {"reject", p.reject_score}};
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = i + 1; j < 3; ++j)
      if (store::threshold_on(t[i].second) && store::threshold_on(t[j].second) && t[i].second > t[j].second)
        throw UsageError(std::string("the thresholds must rise (tag <= quarantine <= reject): ") + t[i].first + " " +
                         number_text(t[i].second) + " is above " + t[j].first + " " + number_text(t[j].second) +
                         " (change --" + t[j].first + " too, or set one to off)");
}

// ---- spam-policy ----

int set(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"tag", "quarantine", "reject", "subject-tag", "virus", "attachments",
                                      "greylisting", "spam-scan", "virus-scan", "scanner-failure", "note"});
  expect_positionals(p, 1, 1, set_synopsis);
  const std::string name = policy_name_arg(p.positional[0]);
  // Every option is checked before the store is opened.
  store::SpamPolicy changes;  // only the fields of the options given are read from it
  if (auto v = p.option("tag")) changes.tag_score = threshold_arg("tag", *v);
  if (auto v = p.option("quarantine")) changes.quarantine_score = threshold_arg("quarantine", *v);
  if (auto v = p.option("reject")) changes.reject_score = threshold_arg("reject", *v);
  if (auto v = p.option("subject-tag")) changes.subject_tag = one_line_arg("subject-tag", *v, store::kMaxSubjectTag);
  if (auto v = p.option("virus")) changes.virus_action = choice_arg("virus", *v, {"reject", "quarantine", "discard"});
  if (auto v = p.option("attachments"))
    changes.attachment_action = choice_arg("attachments", *v, {"reject", "remove", "quarantine", "off"});
  if (auto v = p.option("greylisting")) changes.greylisting = on_off_arg("greylisting", *v);
  if (auto v = p.option("spam-scan")) changes.spam_scan = on_off_arg("spam-scan", *v);
  if (auto v = p.option("virus-scan")) changes.virus_scan = on_off_arg("virus-scan", *v);
  if (auto v = p.option("scanner-failure"))
    changes.scanner_failure = choice_arg("scanner-failure", *v, {"tempfail", "accept"});
  if (auto v = p.option("note")) changes.note = one_line_arg("note", *v, kMaxNote);

  auto& s = spam_store(ctx);
  const auto existing = find_policy(s, name);
  store::SpamPolicy policy = existing.value_or(store::SpamPolicy{});
  policy.name = name;
  if (p.options.contains("tag")) policy.tag_score = changes.tag_score;
  if (p.options.contains("quarantine")) policy.quarantine_score = changes.quarantine_score;
  if (p.options.contains("reject")) policy.reject_score = changes.reject_score;
  if (p.options.contains("subject-tag")) policy.subject_tag = changes.subject_tag;
  if (p.options.contains("virus")) policy.virus_action = changes.virus_action;
  if (p.options.contains("attachments")) policy.attachment_action = changes.attachment_action;
  if (p.options.contains("greylisting")) policy.greylisting = changes.greylisting;
  if (p.options.contains("spam-scan")) policy.spam_scan = changes.spam_scan;
  if (p.options.contains("virus-scan")) policy.virus_scan = changes.virus_scan;
  if (p.options.contains("scanner-failure")) policy.scanner_failure = changes.scanner_failure;
  if (p.options.contains("note")) policy.note = changes.note;
  check_thresholds(policy);
  if (existing && p.options.empty()) {
    ctx.out << "spam policy " << name << " is unchanged (no option given): " << summary(policy) << '\n';
    return 0;
  }
  s.set_spam_policy(policy);
  ctx.out << (existing ? "updated" : "created") << " spam policy " << name << ": " << summary(policy) << '\n';
  if (!store::threshold_on(policy.tag_score) && !store::threshold_on(policy.quarantine_score) &&
      !store::threshold_on(policy.reject_score) && policy.spam_scan)
    ctx.err << "portcullis: note: every threshold of " << name << " is off: spam scores do nothing\n";
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "spam-policy remove NAME");
  const std::string name = policy_name_arg(p.positional[0]);
  auto& s = spam_store(ctx);
  if (!s.remove_spam_policy(name)) throw CommandError(no_such_policy(name));  // refused while assigned
  ctx.out << "removed spam policy " << name << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "spam-policy list");
  auto& s = spam_store(ctx);
  const auto targets = s.list_spam_policy_targets();
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : s.list_spam_policies()) {
    std::vector<std::string> mine;
    for (const auto& t : targets)
      if (t.policy == p.name) mine.push_back(t.target);
    rows.push_back({p.name, "tag=" + threshold_text(p.tag_score), "quarantine=" + threshold_text(p.quarantine_score),
                    "reject=" + threshold_text(p.reject_score), "virus=" + p.virus_action,
                    "attachments=" + p.attachment_action, std::string("greylisting=") + on_off(p.greylisting),
                    std::string("spam-scan=") + on_off(p.spam_scan), std::string("virus-scan=") + on_off(p.virus_scan),
                    "scanner-failure=" + p.scanner_failure, "targets=" + (mine.empty() ? "-" : joined(mine, ","))});
  }
  print_table(ctx.out, rows);
  return 0;
}

int show(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "spam-policy show NAME");
  const std::string name = policy_name_arg(p.positional[0]);
  auto& s = spam_store(ctx);
  const auto policy = find_policy(s, name);
  if (!policy) throw CommandError(no_such_policy(name));
  const auto targets = targets_of(s, name);
  print_table(ctx.out, {
                           {"name:", policy->name},
                           {"tag:", threshold_text(policy->tag_score)},
                           {"quarantine:", threshold_text(policy->quarantine_score)},
                           {"reject:", threshold_text(policy->reject_score)},
                           {"subject-tag:", policy->subject_tag.empty() ? "(none)" : policy->subject_tag},
                           {"virus:", policy->virus_action},
                           {"attachments:", policy->attachment_action},
                           {"greylisting:", on_off(policy->greylisting)},
                           {"spam-scan:", on_off(policy->spam_scan)},
                           {"virus-scan:", on_off(policy->virus_scan)},
                           {"scanner-failure:", policy->scanner_failure},
                           {"note:", policy->note},
                           {"targets:", targets.empty() ? "(none)" : joined(targets, " ")},
                       });
  return 0;
}

// "*", "@domain" or "local@domain"; with must_be_ours the domain must be one of ours.
std::string target_arg(store::Store& s, const std::string& text, bool must_be_ours) {
  if (text == "*") return text;
  if (text.starts_with('@')) {
    const std::string domain = domain_argument(std::string_view(text).substr(1));
    if (must_be_ours && !s.find_domain(domain))
      throw CommandError("target '" + text + "': '" + domain +
                         "' is not one of our domains (see 'portcullis domain list')");
    return "@" + domain;
  }
  if (text.find('@') == std::string::npos)
    throw UsageError("target '" + text + "' is not valid (expected an address, @DOMAIN or *)");
  if (must_be_ours) return our_address_key(s, text, "target");
  return lower(text);
}

int assign(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 2, 2, "spam-policy assign TARGET NAME");
  const std::string name = policy_name_arg(p.positional[1]);
  auto& s = spam_store(ctx);
  const std::string target = target_arg(s, p.positional[0], true);
  if (!find_policy(s, name)) throw CommandError(no_such_policy(name));
  std::string before;
  for (const auto& t : s.list_spam_policy_targets())
    if (t.target == target) before = t.policy;
  if (before == name) {
    ctx.out << target << " has spam policy " << name << " already\n";
    return 0;
  }
  s.set_spam_policy_target({target, name});
  ctx.out << "assigned spam policy " << name << " to " << target;
  if (!before.empty()) ctx.out << " (was " << before << ")";
  ctx.out << '\n';
  return 0;
}

int unassign(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "spam-policy unassign TARGET");
  auto& s = spam_store(ctx);
  const std::string target = target_arg(s, p.positional[0], false);
  if (!s.remove_spam_policy_target(target))
    throw CommandError("no spam policy is assigned to " + target + " (see 'portcullis spam-policy list')");
  ctx.out << "unassigned " << target;
  if (target == "*") ctx.out << ": recipients without a policy of their own get the built-in default";
  ctx.out << '\n';
  return 0;
}

// ---- quarantine-digest ----

int digest_set(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 2, 2, "quarantine-digest set ADDRESS off|daily|weekly");
  const std::string& frequency = p.positional[1];
  if (!store::one_of(frequency, {"off", "daily", "weekly"}))
    throw UsageError("frequency: expected off, daily or weekly (not '" + frequency + "')");
  auto& s = spam_store(ctx);
  const std::string address = our_address_key(s, p.positional[0], "address");
  s.set_digest({address, frequency, 0});
  ctx.out << "quarantine digest of " << address << ": " << frequency << '\n';
  return 0;
}

int digest_list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "quarantine-digest list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : spam_store(ctx).list_digests())
    rows.push_back({d.recipient, d.frequency,
                    d.last_sent == 0 ? "never" : core::format_utc(d.last_sent, core::TimeStyle::iso8601)});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_spam_policy(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "spam-policy");
  if (sub == "set") return set(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  if (sub == "show") return show(ctx, args);
  if (sub == "assign") return assign(ctx, args);
  if (sub == "unassign") return unassign(ctx, args);
  throw UsageError("spam-policy: unknown subcommand '" + sub + "' (set, remove, list, show, assign, unassign)");
}

int cmd_quarantine_digest(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "quarantine-digest");
  if (sub == "set") return digest_set(ctx, args);
  if (sub == "list") return digest_list(ctx, args);
  throw UsageError("quarantine-digest: unknown subcommand '" + sub + "' (set, list)");
}

}  // namespace portcullis::cli
