// checks/arc/chain.hpp: ARC fields grouped into sets.
#include "checks/arc/chain.hpp"

#include "checks/dkim/tags.hpp"

namespace portcullis::checks::arc {

ChainFields collect_chain(const mail::HeaderSection& section) {
  ChainFields out;
  for (std::size_t i = 0; i < section.fields.size(); ++i) {
    const auto& field = section.fields[i];
    const auto kind = field_kind(field.name);
    if (!kind) continue;
    out.any = true;
    const auto instance = field_instance(*kind, field.raw_value);
    if (!instance) {
      if (out.problem.empty()) out.problem = std::string(field_name(*kind)) + " without a valid i=";
      continue;
    }
    ChainFields::Set& set = out.sets[*instance];
    auto& list = *kind == FieldKind::auth_results        ? set.aar
                 : *kind == FieldKind::message_signature ? set.ams
                                                         : set.seal;
    list.push_back(i);
    if (*instance > out.highest) out.highest = *instance;
  }
  if (out.highest > 0) {
    for (const std::size_t i : out.sets[out.highest].seal) {
      const dkim::TagParse tags = dkim::parse_tag_list(section.fields[i].raw_value);
      const auto* cv = tags.list.find("cv");
      if (tags.ok() && cv && parse_cv(cv->value) == Cv::fail) out.newest_seal_failed = true;
    }
  }
  return out;
}

std::string ChainFields::structure_problem() const {
  if (!problem.empty()) return problem;
  for (int i = 1; i <= highest; ++i) {
    const auto it = sets.find(i);
    if (it == sets.end()) return "no ARC set i=" + std::to_string(i);
    const std::pair<const std::vector<std::size_t>*, FieldKind> parts[] = {
        {&it->second.aar, FieldKind::auth_results},
        {&it->second.ams, FieldKind::message_signature},
        {&it->second.seal, FieldKind::seal}};
    for (const auto& [list, kind] : parts) {
      if (list->empty()) return "i=" + std::to_string(i) + " has no " + std::string(field_name(kind));
      if (list->size() > 1)
        return "i=" + std::to_string(i) + " has " + std::to_string(list->size()) + " " + std::string(field_name(kind)) +
               " fields";
    }
  }
  return {};
}

}  // namespace portcullis::checks::arc
