// Logging to the systemd journal with structured fields. When the daemon's stderr is the
// journal (JOURNAL_STREAM names stderr's device and inode, as systemd sets it for a service),
// every log line is sent with sd_journal_sendv instead: MESSAGE= the event and its fields as
// before (without the time stamp, which the journal keeps), PRIORITY=, PORTCULLIS_EVENT=, and
// each field as an upper-case journal field, the common ones with well-known names
// (QUEUE_ID, CLIENT_IP, SENDER, RECIPIENT, VERDICT, ...), so that
// `journalctl -u portcullisd QUEUE_ID=...` finds a message's whole history.
#pragma once
#include <string>
#include <string_view>

namespace portcullis::sandbox {

// True if stderr is connected to the journal (JOURNAL_STREAM matches stderr).
bool stderr_is_journal();
// Installs the journal output (log::set_output) if stderr_is_journal(); returns whether it did.
bool log_to_journal_if_connected();
// The journal field name for a log field: "queue_id" -> "QUEUE_ID", "client" -> "CLIENT_IP",
// "from" -> "SENDER", "rcpt" -> "RECIPIENT"; other names upper-cased, characters outside
// [A-Z0-9_] replaced by '_' (exposed for tests).
std::string journal_field_name(std::string_view key);

}  // namespace portcullis::sandbox
