// checks/dkim/key_record.hpp: DKIM key records.
#include "checks/dkim/key_record.hpp"

#include <utility>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/tags.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

KeyRecordParse parse_key_record(std::string_view txt) {
  KeyRecordParse out;
  KeyRecord& key = out.key;
  const TagParse parsed = parse_tag_list(txt);
  if (!parsed.ok()) {
    out.error = "key record: " + parsed.error;
    return out;
  }
  const TagList& tags = parsed.list;
  if (const Tag* v = tags.find("v")) {
    if (&tags.tags.front() != v) {
      out.error = "key record: v= not first";
      return out;
    }
    if (v->value != "DKIM1") {
      out.error = "key record: bad version";
      return out;
    }
  }
  if (const Tag* h = tags.find("h")) {
    key.sha1_allowed = key.sha256_allowed = false;
    for (const auto item : split_list(h->value)) {
      const auto hash = parse_hash(item);
      if (hash == HashAlg::sha1) key.sha1_allowed = true;
      if (hash == HashAlg::sha256) key.sha256_allowed = true;
    }
  }
  if (const Tag* k = tags.find("k")) {
    const auto type = parse_key_type(k->value);
    if (!type) {
      out.error = "unknown key type";
      return out;
    }
    key.key_type = *type;
  }
  if (const Tag* s = tags.find("s")) {
    bool email = false;
    for (const auto item : split_list(s->value))
      if (item == "*" || iequals(item, "email")) email = true;
    if (!email) {
      out.error = "key not for email";
      return out;
    }
  }
  if (const Tag* t = tags.find("t")) {
    for (const auto item : split_list(t->value)) {
      if (iequals(item, "y")) key.testing = true;
      if (iequals(item, "s")) key.strict = true;
    }
  }
  const Tag* p = tags.find("p");
  if (!p) {
    out.error = "key record without p=";
    return out;
  }
  auto data = base64_decode(p->value);
  if (!data) {
    out.error = "bad p= value";
    return out;
  }
  key.public_key = std::move(*data);
  key.revoked = key.public_key.empty();
  return out;
}

KeyRecordParse choose_key_record(const std::vector<std::string>& records) {
  if (records.size() == 1) return parse_key_record(records.front());
  KeyRecordParse chosen;
  std::size_t usable = 0;
  for (const auto& text : records) {
    KeyRecordParse p = parse_key_record(text);
    if (p.ok()) {
      if (++usable > 1) break;
      chosen = std::move(p);
    }
  }
  if (usable == 1) return chosen;
  chosen = KeyRecordParse{};
  chosen.error = usable == 0 ? "no usable key record" : "multiple key records";
  return chosen;
}

}  // namespace portcullis::checks::dkim
