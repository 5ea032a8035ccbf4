// Hyper-V KVP: the answers a Hyper-V admin pushes to the guest as key-value pairs
// (Msvm_KvpExchangeComponent, Add-VMKvpItem style tooling), which hv_kvp_daemon stores in
// the pool file /var/lib/hyperv/.kvp_pool_0: fixed records of a 512-byte key and a
// 2048-byte value, each NUL-terminated UTF-8 (bytes after the NUL are leftovers, ignored).
//
// Only keys "portcullis.section.key" count (the prefix is removed; the rest must be
// "section.key" of [a-z0-9_], else the record is someone else's and ignored). A later record
// for the same key replaces an earlier one; an empty value means not set (and unsets).
#pragma once
#include <cstddef>
#include <string_view>

#include "answers.hpp"

namespace portcullis::firstboot {

inline constexpr std::size_t kvp_key_size = 512;
inline constexpr std::size_t kvp_value_size = 2048;
inline constexpr std::size_t kvp_record_size = kvp_key_size + kvp_value_size;
inline constexpr std::size_t kvp_max_records = 1024;

// Throws SourceError on a trailing partial record, more than kvp_max_records records, a key
// that fills its field without a NUL, or a portcullis value that is not UTF-8.
AnswerMap parse_kvp_pool(std::string_view bytes);

}  // namespace portcullis::firstboot
