// Durable spool: the queue is files, as in every serious MTA (design.md "Storage").
//   DIR/tmp/ID          a message being received (removed at start-up if left over)
//   DIR/queue/ID        a committed message: envelope header block, blank line, message octets
//   DIR/queue/ID.state  delivery progress (replaced atomically), absent until the first attempt
//   DIR/quarantine/ID   a message held in quarantine (same format), released into queue/
// commit() = fdatasync(file) + rename(tmp -> queue) + fsync(queue dir): only after it returns
// may the server answer 250. Directory fsyncs of concurrent commits are coalesced (group commit).
// All methods do blocking file I/O: call them on a worker pool, never on the event loop.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::queue {

struct SpoolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct EnvelopeRecord {
  std::string id;
  int64_t received = 0;  // unix seconds
  std::string client_ip;
  std::string helo;
  std::string sender;  // empty: null sender <>
  std::vector<std::string> recipients;
  bool body_8bit = false;
  bool smtputf8 = false;
  bool is_bounce = false;  // a DSN we generated: never bounced itself
  std::string route;       // set by a rule: deliver every recipient to HOST[:PORT] / [ADDR]:PORT
  std::string quarantine;  // set by a rule: held, not delivered (the reason)
  bool sign = false;       // from the organisation (relay network, submission): DKIM-signed at delivery
  std::string arc;         // the ARC chain as validated on arrival, "CV N" ("pass 2"): sealed at delivery
  bool operator==(const EnvelopeRecord&) const = default;
};

// A range of the appended message data replaced by `text` (length 0: an insertion before
// `offset`; offset = the data's size: appended at the end).
struct Replacement {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string text;
};

// Changes to a message decided at the end of DATA (checks, rules), applied when it is committed.
struct Amendment {
  std::optional<EnvelopeRecord> envelope;  // replaces the envelope given to create()
  std::string insert_headers;              // complete header lines (CRLF), put right after the prefix
  // Ranges (offset, length) of the appended message data to leave out, sorted, not overlapping.
  std::vector<std::pair<std::size_t, std::size_t>> drop;
  // Ranges replaced (subject tag, removed attachments), sorted, overlapping neither each other
  // nor `drop`.
  std::vector<Replacement> replace;
  bool empty() const { return !envelope && insert_headers.empty() && drop.empty() && replace.empty(); }
};

enum class RcptStatus { pending, delivered, failed };

struct RcptState {
  RcptStatus status = RcptStatus::pending;
  std::string reply;  // last reply or error text
};

struct DeliveryState {
  unsigned attempts = 0;
  int64_t next_attempt = 0;                 // unix seconds; 0 = now
  std::map<std::string, RcptState> rcpts;   // by recipient; missing = pending, no reply yet
};

// Serialisation (exposed for tests and fuzzing: the parser reads files from disk).
std::string format_envelope(const EnvelopeRecord& env);
// Parses the header block at the start of `data`; sets body_offset to the message start.
std::optional<EnvelopeRecord> parse_envelope(std::string_view data, std::size_t& body_offset);
std::string format_state(const DeliveryState& st);
std::optional<DeliveryState> parse_state(std::string_view data);

class Spool;

// A message being written into tmp/. Destroying it without commit() removes the file.
class SpoolWriter {
 public:
  SpoolWriter(Spool& spool, const EnvelopeRecord& env, std::string_view prefix);
  ~SpoolWriter();
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  void append(std::string_view data);  // buffered
  void commit();                       // durable in queue/ when it returns
  // Commits with changes: rebuilt in memory when nothing was flushed yet, else rewritten
  // into a new file (the data copied once). Durable in queue/ when it returns.
  void commit(const Amendment& amendment);
  // Before commit(): commits a second message made of the same data with its own changes;
  // amendment.envelope must be set, with an id of its own (a message whose recipients go
  // under another policy). Durable when it returns.
  void commit_copy(const Amendment& amendment);
  void abort();
  // Reads up to `len` octets of the appended data from `offset` (not the prefix). Safe while
  // no append/commit runs concurrently (the session waits for its hooks).
  std::string read(std::size_t offset, std::size_t len) const;
  const std::string& id() const { return id_; }
  const EnvelopeRecord& envelope() const { return env_; }
  uint64_t size() const { return size_; }  // message octets (prefix + appended)

 private:
  void flush();
  // fdatasync, close, rename tmp/FROM into queue/ID (quarantine/ID when the envelope says so).
  void finish(int fd, const std::string& from, const EnvelopeRecord& env);
  // Writes envelope + prefix + the amended data into tmp/NAME; returns the open descriptor.
  int write_amended(const std::string& name, const EnvelopeRecord& env, const Amendment& amendment) const;
  Spool& spool_;
  std::string id_;
  EnvelopeRecord env_;
  std::string prefix_;
  std::size_t head_ = 0;     // octets of envelope block + prefix at the start of the file
  std::size_t flushed_ = 0;  // octets written to the file so far
  int fd_ = -1;
  std::string buf_;
  uint64_t size_ = 0;
  bool done_ = false;
};

class Spool {
 public:
  explicit Spool(std::filesystem::path dir);  // creates the folders (0700)
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Removes the half-written files a previous run left in tmp/ (returns how many). Only at
  // start, before anything receives: a file in tmp/ may be a message being received now.
  std::size_t remove_partial();
  // The ids of committed messages, oldest first (and drops state files without a message).
  std::vector<std::string> recover();
  std::vector<std::string> list() const;

  // Starts a message; `prefix` (the Received header) is written before the appended data.
  std::unique_ptr<SpoolWriter> create(const EnvelopeRecord& env, std::string_view prefix = {});
  // Writes a complete message in one go (bounces): durable when it returns.
  std::string inject(EnvelopeRecord env, std::string_view message);

  struct Loaded {
    EnvelopeRecord envelope;
    std::string message;  // the octets after the envelope block
    DeliveryState state;
  };
  std::optional<Loaded> load(const std::string& id) const;  // nullopt if gone
  std::optional<EnvelopeRecord> load_envelope(const std::string& id) const;
  std::optional<DeliveryState> load_state(const std::string& id) const;
  void save_state(const std::string& id, const DeliveryState& st);  // atomic replace
  bool remove(const std::string& id);                                // message and state

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path tmp_path(const std::string& id) const { return dir_ / "tmp" / id; }
  std::filesystem::path queue_path(const std::string& id) const { return dir_ / "queue" / id; }

  // The quarantine area, DIR/quarantine/ID: messages held (their envelope's `quarantine` says
  // why), never seen by the queue manager. Their index is in the store (docs/spam.md).
  std::filesystem::path quarantine_path(const std::string& id) const { return dir_ / "quarantine" / id; }
  std::vector<std::string> list_quarantine() const;
  std::optional<Loaded> load_quarantined(const std::string& id) const;  // nullopt if not held here
  // Moves a held message into the queue, its quarantine reason cleared (durable when it
  // returns); false if it is not held here.
  bool release(const std::string& id);
  bool remove_quarantined(const std::string& id);

 private:
  friend class SpoolWriter;
  void sync_queue_dir();  // group commit: one fsync serves every rename done before it began

  std::filesystem::path dir_;
  int queue_dir_fd_ = -1;
  int quarantine_dir_fd_ = -1;
  std::mutex sync_mutex_;
  std::condition_variable sync_cv_;
  bool sync_running_ = false;
  uint64_t sync_started_ = 0;
  uint64_t sync_completed_ = 0;
};

}  // namespace portcullis::queue
