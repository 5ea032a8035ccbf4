// Queue ids: 16 characters of Crockford base32 (0-9, A-Z without I L O U), 80 bits:
// 44 bits of milliseconds since the epoch (so ids sort by arrival time) + 36 random bits.
// Safe as file names; unique across processes and restarts without coordination.
#pragma once
#include <string>
#include <string_view>

namespace portcullis::core {

std::string new_queue_id();
bool valid_queue_id(std::string_view id);

}  // namespace portcullis::core
