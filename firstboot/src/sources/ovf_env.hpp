// OVF environment (DMTF DSP0243): the answers a VMware admin sets as vApp properties, which
// the guest reads with `vmware-rpctool "info-get guestinfo.ovfEnv"` or from ovf-env.xml on
// the ISO transport:
//
//   <Environment xmlns="http://schemas.dmtf.org/ovf/environment/1"
//                xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" oe:id="">
//     <PlatformSection>...</PlatformSection>
//     <PropertySection>
//       <Property oe:key="portcullis.system.hostname" oe:value="mx.example.org"/>
//     </PropertySection>
//     <Entity oe:id="sibling-vm">...</Entity>
//   </Environment>
//
// A small strict tokenizer, no XML library: the root element must be Environment; only the
// Property elements of its own PropertySection count (an Entity's sections describe other
// VMs of the vApp). Elements and attributes match by local name, so any namespace prefix
// works. Keys lose a leading "portcullis."; keys that are not "section.key" of [a-z0-9_]
// belong to something else and are ignored; an empty value means not set. Attribute values
// are entity-decoded; literal line breaks in them are kept (as "\n") rather than turned into
// spaces, so multi-line values such as PEM survive tools that do not write &#10;.
#pragma once
#include <string_view>

#include "answers.hpp"

namespace portcullis::firstboot {

// Throws SourceError on malformed XML (unterminated tags, attributes, comments; mismatched
// end tags; bad entities), a document that is not an OVF environment, duplicate keys, or
// input over 1 MiB.
AnswerMap parse_ovf_env(std::string_view xml);

}  // namespace portcullis::firstboot
