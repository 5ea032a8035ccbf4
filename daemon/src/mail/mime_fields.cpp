// The MIME fields of a part's header section. Rules: see mime_fields.hpp.
#include "mail/mime_fields.hpp"

#include <algorithm>

#include "mail/mime_params.hpp"

namespace portcullis::mail {
namespace {

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";
  return tspecials.find(c) == std::string_view::npos;
}

void add_name(std::vector<std::string>& names, const std::string& name) {
  if (name.empty() || names.size() >= kMaxNames) return;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

// The extended form first, then every plain one, of parameter `key`.
void add_names(std::vector<std::string>& names, const ParamHeader& h, std::string_view key) {
  for (const bool extended : {true, false})
    for (const MimeParam& p : h.params)
      if (p.name == key && p.extended == extended) add_name(names, p.value);
}

}  // namespace

bool valid_media_type(std::string_view type) {
  const auto slash = type.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) return false;
  const auto token = [](std::string_view s) { return std::all_of(s.begin(), s.end(), is_token_char); };
  return token(type.substr(0, slash)) && token(type.substr(slash + 1));
}

PartFields part_fields(const HeaderSection& headers, std::string_view default_type) {
  PartFields out;
  std::vector<ParamHeader> types;
  for (const HeaderField* f : headers.all("Content-Type")) types.push_back(parse_param_header(f->value));
  std::vector<ParamHeader> dispositions;
  for (const HeaderField* f : headers.all("Content-Disposition")) dispositions.push_back(parse_param_header(f->value));

  for (const ParamHeader& t : types) {
    if (valid_media_type(t.value)) {
      out.content_type = t.value;
      break;
    }
  }
  bool multipart_seen = false;
  for (const ParamHeader& t : types) {
    if (!valid_media_type(t.value) || t.value.rfind("multipart/", 0) != 0) continue;
    for (const MimeParam& p : t.params) {
      if (p.name != "boundary") continue;
      std::string b = p.value;
      while (!b.empty() && (b.back() == ' ' || b.back() == '\t')) b.pop_back();
      if (b.empty() || out.boundaries.size() >= kMaxBoundaries) continue;
      if (std::find(out.boundaries.begin(), out.boundaries.end(), b) == out.boundaries.end())
        out.boundaries.push_back(std::move(b));
      if (!multipart_seen) {
        out.content_type = t.value;
        multipart_seen = true;
      }
    }
  }
  if (out.content_type.empty()) out.content_type = std::string(default_type);

  if (!dispositions.empty()) out.disposition = dispositions.front().value;
  for (const ParamHeader& d : dispositions) add_names(out.names, d, "filename");
  for (const ParamHeader& d : dispositions) add_names(out.names, d, "name");
  for (const ParamHeader& t : types) add_names(out.names, t, "name");
  for (const ParamHeader& t : types) add_names(out.names, t, "filename");
  if (!out.names.empty()) out.filename = out.names.front();

  if (const HeaderField* f = headers.first("Content-Transfer-Encoding"))
    out.transfer_encoding = parse_param_header(f->value).value;
  return out;
}

}  // namespace portcullis::mail
