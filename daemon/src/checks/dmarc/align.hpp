// The pure steps of a DMARC evaluation (RFC 7489 3.1 and 6.6.4), apart from the DNS lookups:
// identifier alignment, and the pct= sampling that lowers a policy for messages it leaves out.
#pragma once
#include <functional>
#include <string_view>

#include "checks/dmarc/psl.hpp"
#include "checks/dmarc/types.hpp"

namespace portcullis::checks::dmarc {

// 3.1.1 / 3.1.2: strict alignment is the same domain; relaxed, the same Organizational
// Domain. Both names in any case, U- or A-labels; an empty or malformed one never aligns.
bool aligned(std::string_view identifier, std::string_view from_domain, Alignment mode, const PublicSuffixList& psl);

// A random source for pct= sampling: each call returns 0..99.
using PercentSource = std::function<int()>;

// A uniform 0..99 from a per-thread generator seeded from std::random_device.
int random_percent();

struct Sampled {
  Policy policy = Policy::none;
  bool sampled_out = false;
};

// 6.6.4 and pct= (6.3): the policy `published` is applied to pct percent of the failing
// messages: this one is in the sample when percent() < pct. A message left out gets the next
// weaker policy (reject -> quarantine, quarantine -> none). pct=100 (and policy none) never
// asks the source; pct=0 leaves every message out without asking it either. A source that
// returns a value outside 0..99 is clamped. No source: random_percent.
Sampled sample(Policy published, int pct, const PercentSource& percent);

}  // namespace portcullis::checks::dmarc
