// checks/dmarc/align.hpp: identifier alignment and pct= sampling.
#include "checks/dmarc/align.hpp"

#include <algorithm>
#include <random>

#include "checks/dmarc/author.hpp"

namespace portcullis::checks::dmarc {

bool aligned(std::string_view identifier, std::string_view from_domain, Alignment mode, const PublicSuffixList& psl) {
  const std::string id = normalize_host(identifier);
  const std::string from = normalize_host(from_domain);
  if (id.empty() || from.empty()) return false;
  if (mode == Alignment::strict) return id == from;
  const std::string a = psl.organizational_domain(id);
  return !a.empty() && a == psl.organizational_domain(from);
}

int random_percent() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return std::uniform_int_distribution<int>(0, 99)(generator);
}

Sampled sample(Policy published, int pct, const PercentSource& percent) {
  Sampled out{published, false};
  if (published == Policy::none || pct >= 100) return out;
  bool in_sample = false;
  if (pct > 0) in_sample = std::clamp(percent ? percent() : random_percent(), 0, 99) < pct;
  if (!in_sample) {
    out.policy = weaker(published);
    out.sampled_out = true;
  }
  return out;
}

}  // namespace portcullis::checks::dmarc
