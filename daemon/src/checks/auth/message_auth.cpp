// checks/auth/message_auth.hpp
#include "checks/auth/message_auth.hpp"

#include <algorithm>
#include <ctime>

#include "checks/dmarc/author.hpp"
#include "mail/auth_results.hpp"
#include "net/deadline_dns.hpp"
#include "net/dns.hpp"
#include "policy/names.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::checks {

namespace asio = boost::asio;

namespace {

// On unless the admin sets it to "off" (postmaster.cpp allows only "on" and "off").
bool setting_on(const policy::Snapshot* snapshot, const char* key) {
  return !snapshot || snapshot->setting(key).value_or("on") == "on";
}

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

bool dkim_passes(const dkim::SignatureResult& r) { return r.result == dkim::Result::pass && r.trusted; }

}  // namespace

AuthSettings auth_settings(const policy::Snapshot* snapshot, const std::string& hostname) {
  AuthSettings s;
  s.spf = setting_on(snapshot, "spf");
  s.dkim = setting_on(snapshot, "dkim");
  s.dmarc = setting_on(snapshot, "dmarc");
  s.dmarc_enforce = setting_on(snapshot, "dmarc-enforce");
  s.arc = setting_on(snapshot, "arc");
  if (snapshot) s.arc_trusted_sealers = policy::split_names(snapshot->setting("arc-trusted-sealers").value_or(""));
  s.receiver = hostname;
  s.authserv_id = snapshot ? snapshot->setting("authserv-id").value_or(hostname) : hostname;
  return s;
}

MessageAuth::MessageAuth(AuthSettings settings, asio::ip::address client, std::string helo)
    : settings_(std::move(settings)), client_(client), helo_(std::move(helo)) {
  // DMARC needs the DKIM results even when the dkim setting only hides them from the field.
  if (settings_.dkim || settings_.dmarc) verifier_ = std::make_unique<dkim::Verifier>();
  if (settings_.arc) arc_validator_ = std::make_unique<arc::Validator>();
}

MessageAuth::~MessageAuth() = default;

asio::awaitable<void> MessageAuth::mail_from(net::DnsSource& dns, std::string sender) {
  envelope_domain_ = domain_of(sender);
  if (!settings_.spf && !settings_.dmarc) co_return;
  net::DeadlineDns bounded(dns, std::chrono::steady_clock::now() + settings_.time_limit);
  spf::Request request;
  request.client = client_;
  request.mail_from = std::move(sender);
  request.helo = helo_;
  request.receiver = settings_.receiver;
  // (The awaitable is made first: GCC 12 destroys a by-value coroutine argument built inside a
  // co_await expression twice.)
  auto check = spf::check_mail_from(bounded, std::move(request));
  spf::Outcome out = co_await std::move(check);
  if (bounded.expired() && out.result != spf::Result::pass && out.result != spf::Result::fail) {
    out.result = spf::Result::temperror;
    out.problem = "the SPF check ran out of time";
  }
  spf_ = std::move(out);
}

void MessageAuth::feed(std::string_view chunk) {
  if (verifier_) verifier_->feed(chunk);
  if (arc_validator_) arc_validator_->feed(chunk);
}

asio::awaitable<void> MessageAuth::finish(net::DnsSource& dns, const dmarc::PublicSuffixList* psl,
                                          const mail::HeaderSection& headers) {
  net::DeadlineDns bounded(dns, std::chrono::steady_clock::now() + settings_.time_limit);
  if (verifier_) {
    dkim_ = co_await verifier_->finish(bounded, std::time(nullptr));
    dkim_done_ = true;
    verifier_.reset();
  }
  if (arc_validator_) {
    arc_ = co_await arc_validator_->finish(bounded, std::time(nullptr));
    arc_validator_.reset();
  }
  const auto author = dmarc::author_domain(headers);
  if (!author) {
    from_problem_ = author.problem;
    several_from_ = author.error == dmarc::AuthorError::several_from;
  }
  if (!settings_.dmarc || psl == nullptr || !author) co_return;
  dmarc::Input in;
  in.header_from_domain = author.domain;
  if (spf_) {
    in.spf_domain = spf_->domain;
    in.spf_pass = spf_->result == spf::Result::pass;
    in.spf_result = std::string(spf::to_string(spf_->result));
    in.spf_helo = spf_->identity == "helo";
  }
  for (const auto& sig : dkim_) {
    dmarc::Input::Dkim d;
    d.domain = sig.domain;
    d.selector = sig.selector;
    d.pass = dkim_passes(sig);
    d.result = std::string(dkim::to_string(sig.result));
    in.dkim.push_back(std::move(d));
  }
  in.client = client_;
  in.envelope_from = envelope_domain_;
  dmarc_ = co_await dmarc::evaluate(bounded, *psl, in);
  find_trusted_forwarder();
}

std::string MessageAuth::results_field() const {
  std::vector<mail::AuthResult> results;
  if (settings_.spf && spf_) {
    mail::AuthResult r{"spf", std::string(spf::to_string(spf_->result)), "", {}};
    if (spf_->result == spf::Result::fail || spf_->result == spf::Result::softfail)
      r.comment = client_.to_string() + " is not allowed by " + spf_->domain;
    else if (!spf_->problem.empty())
      r.comment = spf_->problem;
    if (spf_->identity == "helo")
      r.properties.emplace_back("smtp.helo", helo_);
    else
      r.properties.emplace_back("smtp.mailfrom", spf_->sender.empty() ? spf_->domain : spf_->sender);
    results.push_back(std::move(r));
  }
  if (settings_.dkim && dkim_done_) {
    if (dkim_.empty()) results.push_back({"dkim", "none", "", {}});
    for (const auto& sig : dkim_) {
      // rsa-sha1 verifies but is not trusted (RFC 8301): "policy", as RFC 8601 2.7.1 allows.
      std::string result(dkim::to_string(sig.result));
      std::string comment = sig.problem;
      if (sig.result == dkim::Result::pass && !sig.trusted) {
        result = "policy";
        comment = sig.algorithm + " is not trusted";
      } else if (sig.result == dkim::Result::pass && sig.body_length_limited) {
        comment = "l= leaves part of the body unsigned";
      }
      mail::AuthResult r{"dkim", result, comment, {}};
      if (sig.key_bits > 0 && comment.empty()) r.comment = std::to_string(sig.key_bits) + "-bit key";
      r.properties.emplace_back("header.d", sig.domain);
      if (!sig.identity.empty() && sig.identity != "@" + sig.domain) r.properties.emplace_back("header.i", sig.identity);
      r.properties.emplace_back("header.s", sig.selector);
      r.properties.emplace_back("header.a", sig.algorithm);
      if (!sig.b_prefix.empty()) r.properties.emplace_back("header.b", sig.b_prefix);
      results.push_back(std::move(r));
    }
  }
  if (settings_.arc && arc_) results.push_back(arc::auth_result(*arc_, client_.to_string()));
  if (settings_.dmarc && dmarc_) {
    mail::AuthResult r{"dmarc", std::string(dmarc::to_string(dmarc_->result)), "", {}};
    if (dmarc_->result == dmarc::Result::pass || dmarc_->result == dmarc::Result::fail) {
      r.comment = "p=" + std::string(dmarc::to_string(dmarc_->published)) +
                  " dis=" + std::string(dmarc::to_string(disposition()));
    } else if (!dmarc_->problem.empty()) {
      r.comment = dmarc_->problem;
    }
    r.properties.emplace_back("header.from", dmarc_->from_domain);
    results.push_back(std::move(r));
  } else if (settings_.dmarc && !from_problem_.empty()) {
    results.push_back({"dmarc", "permerror", from_problem_, {}});
  }
  return mail::authentication_results_field(settings_.authserv_id, results);
}

std::vector<AuthSymbol> MessageAuth::symbols() const {
  std::vector<AuthSymbol> out;
  if (settings_.spf && spf_) {
    switch (spf_->result) {
      case spf::Result::pass: out.push_back({"SPF_PASS", 0}); break;
      case spf::Result::fail: out.push_back({"SPF_FAIL", 2.0}); break;
      case spf::Result::softfail: out.push_back({"SPF_SOFTFAIL", 1.0}); break;
      case spf::Result::neutral: out.push_back({"SPF_NEUTRAL", 0}); break;
      case spf::Result::none: out.push_back({"SPF_NONE", 0.5}); break;
      case spf::Result::temperror: out.push_back({"SPF_TEMPERROR", 0}); break;
      case spf::Result::permerror: out.push_back({"SPF_PERMERROR", 0.5}); break;
    }
  }
  if (settings_.dkim && dkim_done_) {
    bool valid = false, invalid = false;
    for (const auto& sig : dkim_) {
      if (dkim_passes(sig)) valid = true;
      else if (sig.result == dkim::Result::fail || sig.result == dkim::Result::permerror) invalid = true;
    }
    if (valid) out.push_back({"DKIM_VALID", 0});
    if (invalid) out.push_back({"DKIM_INVALID", 1.0});
    if (dkim_.empty()) out.push_back({"DKIM_NONE", 0});
  }
  if (settings_.dmarc && dmarc_) {
    switch (dmarc_->result) {
      case dmarc::Result::pass: out.push_back({"DMARC_PASS", 0}); break;
      case dmarc::Result::fail:
        out.push_back({dmarc_->published == dmarc::Policy::reject       ? "DMARC_FAIL_REJECT"
                       : dmarc_->published == dmarc::Policy::quarantine ? "DMARC_FAIL_QUARANTINE"
                                                                        : "DMARC_FAIL_NONE",
                       dmarc_->published == dmarc::Policy::none ? 1.0 : 3.0});
        break;
      case dmarc::Result::none: out.push_back({"DMARC_NONE", 0}); break;
      case dmarc::Result::temperror: out.push_back({"DMARC_TEMPERROR", 0}); break;
      case dmarc::Result::permerror: out.push_back({"DMARC_PERMERROR", 0}); break;
    }
  }
  if (!trusted_forwarder().empty()) out.push_back({"ARC_TRUSTED_FORWARDER", -1.0});
  if (settings_.arc && arc_) {
    switch (arc_->cv) {
      case arc::Cv::pass: out.push_back({"ARC_PASS", 0}); break;
      case arc::Cv::fail: out.push_back({arc_->temporary ? "ARC_TEMPERROR" : "ARC_FAIL", arc_->temporary ? 0 : 1.0}); break;
      case arc::Cv::none: out.push_back({"ARC_NONE", 0}); break;
    }
  }
  if (several_from_) out.push_back({"FROM_SEVERAL", 3.0});
  return out;
}

AuthVerdict MessageAuth::verdict() const {
  AuthVerdict v;
  if (!settings_.dmarc || !settings_.dmarc_enforce) return v;
  if (several_from_) {
    // Several From fields: which author would DMARC protect? (RFC 7489 6.6.1 allows rejection.)
    v.action = AuthVerdict::Action::reject;
    v.reply = "550 5.7.1 Message has several From header fields; rejected (RFC 5322 3.6, RFC 7489 6.6.1)";
    v.reason = "several From fields";
    return v;
  }
  if (!dmarc_ || dmarc_->result != dmarc::Result::fail) return v;
  if (!trusted_forwarder().empty()) return v;  // forwarded mail whose chain we trust
  if (dmarc_->policy == dmarc::Policy::reject) {
    v.action = AuthVerdict::Action::reject;
    v.reply = "550 5.7.1 Email rejected per DMARC policy for " + dmarc_->from_domain +
              " (neither SPF nor DKIM is aligned and passing)";
    v.reason = "dmarc p=reject of " + dmarc_->from_domain;
  } else if (dmarc_->policy == dmarc::Policy::quarantine) {
    v.action = AuthVerdict::Action::quarantine;
    v.reason = "dmarc p=quarantine of " + dmarc_->from_domain;
  }
  return v;
}

void MessageAuth::find_trusted_forwarder() {
  trusted_forwarder_.clear();
  if (!settings_.arc || !arc_ || arc_->cv != arc::Cv::pass || arc_->sets.empty()) return;
  if (!dmarc_ || dmarc_->result != dmarc::Result::fail) return;
  const std::string sealer = net::canonical_name(arc_->sets.back().domain);
  const auto& trusted = settings_.arc_trusted_sealers;
  if (std::find(trusted.begin(), trusted.end(), sealer) != trusted.end()) trusted_forwarder_ = sealer;
}

dmarc::Policy MessageAuth::disposition() const {
  switch (verdict().action) {
    case AuthVerdict::Action::reject: return dmarc::Policy::reject;
    case AuthVerdict::Action::quarantine: return dmarc::Policy::quarantine;
    case AuthVerdict::Action::none: break;
  }
  return dmarc::Policy::none;
}

MessageAuth::LogFields MessageAuth::log_fields() const {
  LogFields out;
  if (spf_) out.spf = std::string(spf::to_string(spf_->result));
  if (dkim_done_) {
    for (const auto& sig : dkim_) {
      if (!out.dkim.empty()) out.dkim += ',';
      out.dkim += std::string(dkim_passes(sig) ? "pass" : dkim::to_string(sig.result)) + ":" + sig.domain;
    }
    if (out.dkim.empty()) out.dkim = "none";
  }
  if (dmarc_) out.dmarc = std::string(dmarc::to_string(dmarc_->result));
  if (arc_) out.arc = std::string(arc::to_string(arc_->cv));
  return out;
}

std::string MessageAuth::arc_state() const {
  if (!arc_ || arc_->temporary) return {};
  return std::string(arc::to_string(arc_->cv)) + " " + std::to_string(arc_->instances);
}

std::optional<store::DmarcRow> MessageAuth::report_row(std::string queue_id, int64_t received) const {
  if (!dmarc_ || !dmarc_->report.policy_published) return std::nullopt;
  if (dmarc_->result != dmarc::Result::pass && dmarc_->result != dmarc::Result::fail) return std::nullopt;
  const auto& rep = dmarc_->report;
  const auto& pp = *rep.policy_published;
  store::DmarcRow row;
  row.received = received;
  row.queue_id = std::move(queue_id);
  row.source_ip = rep.source_ip.to_string();
  row.header_from = rep.header_from;
  row.envelope_from = rep.envelope_from;
  row.policy_domain = pp.domain;
  row.published = "p=" + std::string(dmarc::to_string(pp.p)) + " sp=" + std::string(dmarc::to_string(pp.sp)) +
                  (pp.np ? " np=" + std::string(dmarc::to_string(*pp.np)) : std::string()) +
                  " pct=" + std::to_string(pp.pct) + " adkim=" + std::string(dmarc::to_string(pp.adkim)) +
                  " aspf=" + std::string(dmarc::to_string(pp.aspf)) + " fo=" + pp.fo;
  const dmarc::Policy done = disposition();
  row.disposition = std::string(dmarc::to_string(done));
  row.dmarc = std::string(dmarc::to_string(dmarc_->result));
  row.spf_domain = rep.spf.domain;
  row.spf_result = rep.spf.result.empty() ? "none" : rep.spf.result;
  for (const auto& d : rep.dkim) {
    if (!row.dkim.empty()) row.dkim += "; ";
    row.dkim += "d=" + d.domain + " s=" + d.selector + " result=" + d.result;
  }
  std::vector<std::string> reasons;
  for (const auto& r : rep.reasons) reasons.push_back(r.type);
  if (!trusted_forwarder().empty()) {
    reasons.emplace_back("trusted_forwarder");
  } else if (dmarc_->policy != dmarc::Policy::none && done == dmarc::Policy::none &&
             std::find(reasons.begin(), reasons.end(), "local_policy") == reasons.end()) {
    // Asked for more than we did, and not because of pct=: our own choice (dmarc-enforce off).
    reasons.emplace_back("local_policy");
  }
  for (const auto& r : reasons) row.reason += (row.reason.empty() ? "" : ",") + r;
  return row;
}

std::vector<std::pair<std::size_t, std::size_t>> forged_results(const mail::HeaderSection& headers,
                                                                 std::string_view authserv_id) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const auto* f : headers.all("Authentication-Results")) {
    const auto id = mail::authserv_id_of(f->value);
    if (id && mail::same_authserv_id(*id, authserv_id)) out.emplace_back(f->offset, f->length);
  }
  return out;
}

}  // namespace portcullis::checks
