// The ARC fields of a header section grouped into ARC Sets by instance (RFC 8617 5.2 step 1),
// with the structural checks of step 3 that need no field parsed beyond its i=: what the
// Validator (validate_core.hpp) and the Sealer (seal.hpp) both start from. Pure; never throws.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "checks/arc/fields.hpp"
#include "mail/headers.hpp"

namespace portcullis::checks::arc {

struct ChainFields {
  struct Set {
    std::vector<std::size_t> aar, ams, seal;  // indices into section.fields, top to bottom
  };
  bool any = false;   // the header has at least one ARC field
  int highest = 0;    // the highest usable instance among them (0: none)
  std::string problem;  // the first ARC field without a usable i= ("ARC-Seal without a valid i=")
  std::map<int, Set> sets;  // by instance
  // An ARC-Seal of the highest instance says cv=fail (RFC 8617 5.2 step 2; 5.1 step 1: a
  // sealer adds nothing then).
  bool newest_seal_failed = false;

  // "" when every instance 1..highest has exactly one of each field (and `problem` is empty);
  // otherwise what is wrong first ("no ARC set i=2", "i=1 has 2 ARC-Seal fields").
  std::string structure_problem() const;
};

ChainFields collect_chain(const mail::HeaderSection& section);

}  // namespace portcullis::checks::arc
