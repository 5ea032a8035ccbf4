#include "queue/spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "queue/spool_io.hpp"

namespace portcullis::queue {
namespace fs = std::filesystem;

namespace {

using detail::read_file;
using detail::sys_fail;
using detail::write_all;

bool is_queue_file(const std::string& name) { return core::valid_queue_id(name); }

}  // namespace

// ---- SpoolWriter ----

SpoolWriter::SpoolWriter(Spool& spool, const EnvelopeRecord& env, std::string_view prefix)
    : spool_(spool), id_(env.id), env_(env), prefix_(prefix) {
  const fs::path p = spool_.tmp_path(id_);
  fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);  // read(): rules read the body
  if (fd_ < 0) sys_fail("create", p);
  buf_ = format_envelope(env);
  buf_.append(prefix);
  head_ = buf_.size();
  size_ = prefix.size();
}

SpoolWriter::~SpoolWriter() {
  if (!done_) {
    try {
      abort();
    } catch (...) {
    }
  }
}

void SpoolWriter::append(std::string_view data) {
  buf_.append(data);
  size_ += data.size();
  if (buf_.size() >= 256 * 1024) flush();
}

void SpoolWriter::flush() {
  write_all(fd_, buf_, spool_.tmp_path(id_));
  flushed_ += buf_.size();
  buf_.clear();
}

void SpoolWriter::finish(int fd, const std::string& from_name, const EnvelopeRecord& env) {
  const fs::path from = spool_.dir() / "tmp" / from_name;
  if (::fdatasync(fd) != 0) {
    ::close(fd);
    sys_fail("fdatasync", from);
  }
  if (::close(fd) != 0) sys_fail("close", from);
  const bool held = !env.quarantine.empty();
  const fs::path to = held ? spool_.quarantine_path(env.id) : spool_.queue_path(env.id);
  if (::rename(from.c_str(), to.c_str()) != 0) sys_fail("rename", from);
  if (env.id == id_) done_ = true;
  if (!held) {
    spool_.sync_queue_dir();
  } else if (::fsync(spool_.quarantine_dir_fd_) != 0) {
    sys_fail("fsync", spool_.dir() / "quarantine");
  }
}

void SpoolWriter::commit() {
  if (done_) throw SpoolError("commit of a finished message " + id_);
  flush();
  const int fd = std::exchange(fd_, -1);
  finish(fd, id_, env_);
}

std::string SpoolWriter::read(std::size_t offset, std::size_t len) const {
  const std::size_t data_size = flushed_ + buf_.size() - head_;
  if (offset >= data_size) return {};
  len = std::min(len, data_size - offset);
  std::string out;
  out.reserve(len);
  std::size_t pos = head_ + offset;  // position in the file-plus-buffer
  while (out.size() < len && pos < flushed_) {
    char chunk[65536];
    const std::size_t want = std::min({sizeof chunk, len - out.size(), flushed_ - pos});
    const ssize_t n = ::pread(fd_, chunk, want, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) sys_fail("read", spool_.tmp_path(id_));
    out.append(chunk, static_cast<std::size_t>(n));
    pos += static_cast<std::size_t>(n);
  }
  if (out.size() < len) out.append(buf_, pos - flushed_, len - out.size());
  return out;
}

namespace {
// Applies an amendment's ranges to the data as it is copied, chunk by chunk.
class Editor {
 public:
  explicit Editor(const Amendment& a) {
    for (const auto& [off, len] : a.drop) edits_.push_back(Replacement{off, len, {}});
    edits_.insert(edits_.end(), a.replace.begin(), a.replace.end());
    std::stable_sort(edits_.begin(), edits_.end(),
                     [](const Replacement& x, const Replacement& y) { return x.offset < y.offset; });
  }
  // `chunk` is the data from offset `at` on (chunks come in order, without gaps).
  void apply(std::string& out, std::string_view chunk, std::size_t at) {
    std::size_t pos = at;
    const std::size_t end = at + chunk.size();
    while (pos < end) {
      if (pos < skip_until_) {
        pos = std::min(end, skip_until_);
        continue;
      }
      if (next_ < edits_.size() && edits_[next_].offset <= pos) {
        out += edits_[next_].text;
        skip_until_ = std::max(pos, edits_[next_].offset + edits_[next_].length);
        ++next_;
        continue;
      }
      const std::size_t stop = next_ < edits_.size() ? std::min(end, edits_[next_].offset) : end;
      out.append(chunk.substr(pos - at, stop - pos));
      pos = stop;
    }
  }
  // What is left: insertions at (or past) the end of the data.
  void finish(std::string& out) {
    for (; next_ < edits_.size(); ++next_) out += edits_[next_].text;
  }

 private:
  std::vector<Replacement> edits_;
  std::size_t next_ = 0;
  std::size_t skip_until_ = 0;
};
}  // namespace

void SpoolWriter::commit(const Amendment& amendment) {
  if (amendment.empty()) {
    commit();
    return;
  }
  if (done_) throw SpoolError("commit of a finished message " + id_);
  if (amendment.envelope) env_ = *amendment.envelope;
  env_.id = id_;
  if (flushed_ == 0) {  // everything is still in memory: rebuild the buffer
    std::string rebuilt = format_envelope(env_);
    rebuilt += prefix_;
    rebuilt += amendment.insert_headers;
    Editor editor(amendment);
    editor.apply(rebuilt, std::string_view(buf_).substr(head_), 0);
    editor.finish(rebuilt);
    buf_ = std::move(rebuilt);
    commit();
    return;
  }
  // Large message, partly on disk: write the amended copy to a second temporary file.
  const std::string name = id_ + ".amend";
  const int fd = write_amended(name, env_, amendment);
  finish(fd, name, env_);
  ::close(std::exchange(fd_, -1));
  ::unlink(spool_.tmp_path(id_).c_str());
}

void SpoolWriter::commit_copy(const Amendment& amendment) {
  if (done_) throw SpoolError("copy of a finished message " + id_);
  if (!amendment.envelope || amendment.envelope->id == id_ || !core::valid_queue_id(amendment.envelope->id))
    throw SpoolError("a copy of " + id_ + " needs an envelope with an id of its own");
  const EnvelopeRecord& env = *amendment.envelope;
  const int fd = write_amended(env.id, env, amendment);
  finish(fd, env.id, env);
}

int SpoolWriter::write_amended(const std::string& name, const EnvelopeRecord& env, const Amendment& amendment) const {
  const fs::path p = spool_.dir() / "tmp" / name;
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) sys_fail("create", p);
  try {
    write_all(fd, format_envelope(env) + prefix_ + amendment.insert_headers, p);
    Editor editor(amendment);
    const std::size_t data_size = flushed_ + buf_.size() - head_;
    for (std::size_t off = 0; off < data_size;) {
      const std::string chunk = read(off, 256 * 1024);
      std::string kept;
      editor.apply(kept, chunk, off);
      write_all(fd, kept, p);
      off += chunk.size();
    }
    std::string tail;
    editor.finish(tail);
    write_all(fd, tail, p);
  } catch (...) {
    ::close(fd);
    ::unlink(p.c_str());
    throw;
  }
  return fd;
}

void SpoolWriter::abort() {
  if (done_) return;
  done_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(spool_.tmp_path(id_).c_str());
}

// ---- Spool ----

Spool::Spool(fs::path dir) : dir_(std::move(dir)) {
  for (const char* sub : {"", "tmp", "queue", "quarantine"}) {
    const fs::path p = sub[0] ? dir_ / sub : dir_;
    std::error_code ec;
    fs::create_directories(p, ec);
    if (ec) throw SpoolError("cannot create " + p.string() + ": " + ec.message());
    ::chmod(p.c_str(), 0700);
  }
  queue_dir_fd_ = ::open((dir_ / "queue").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (queue_dir_fd_ < 0) sys_fail("open", dir_ / "queue");
  quarantine_dir_fd_ = ::open((dir_ / "quarantine").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (quarantine_dir_fd_ < 0) {
    ::close(queue_dir_fd_);
    sys_fail("open", dir_ / "quarantine");
  }
}

Spool::~Spool() {
  if (queue_dir_fd_ >= 0) ::close(queue_dir_fd_);
  if (quarantine_dir_fd_ >= 0) ::close(quarantine_dir_fd_);
}

void Spool::sync_queue_dir() {
  std::unique_lock lock(sync_mutex_);
  // A sync that is running now may have started before our rename: we need the next one.
  const uint64_t need = sync_started_ + 1;
  while (sync_completed_ < need) {
    if (sync_running_) {
      sync_cv_.wait(lock);
      continue;
    }
    sync_running_ = true;
    const uint64_t gen = ++sync_started_;
    lock.unlock();
    const int rc = ::fsync(queue_dir_fd_);
    const int err = errno;
    lock.lock();
    sync_running_ = false;
    if (rc == 0) sync_completed_ = gen;
    sync_cv_.notify_all();
    if (rc != 0) {
      errno = err;
      sys_fail("fsync", dir_ / "queue");
    }
  }
}

std::vector<std::string> Spool::list() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ / "queue", ec)) {
    const std::string name = e.path().filename().string();
    if (is_queue_file(name)) ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());  // ids sort by arrival time
  return ids;
}

std::size_t Spool::remove_partial() {
  std::error_code ec;
  std::size_t removed = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "tmp", ec)) {
    if (::unlink(e.path().c_str()) == 0) ++removed;
  }
  if (removed > 0) log::warn("spool_recover", {{"removed_partial", std::to_string(removed)}});
  return removed;
}

std::vector<std::string> Spool::recover() {
  std::error_code ec;
  // A state file whose message is gone (deleted by the CLI mid-delivery) is removed too.
  for (const auto& e : fs::directory_iterator(dir_ / "queue", ec)) {
    const std::string name = e.path().filename().string();
    const auto dot = name.find('.');
    if (dot != std::string::npos && !fs::exists(dir_ / "queue" / name.substr(0, dot))) ::unlink(e.path().c_str());
  }
  return list();
}

std::unique_ptr<SpoolWriter> Spool::create(const EnvelopeRecord& env, std::string_view prefix) {
  return std::make_unique<SpoolWriter>(*this, env, prefix);
}

std::string Spool::inject(EnvelopeRecord env, std::string_view message) {
  if (env.id.empty()) env.id = core::new_queue_id();
  SpoolWriter w(*this, env, {});
  w.append(message);
  w.commit();
  return env.id;
}

std::optional<EnvelopeRecord> Spool::load_envelope(const std::string& id) const {
  auto loaded = load(id);
  if (!loaded) return std::nullopt;
  return loaded->envelope;
}

std::optional<Spool::Loaded> Spool::load(const std::string& id) const {
  if (!core::valid_queue_id(id)) return std::nullopt;
  auto data = read_file(queue_path(id));
  if (!data) return std::nullopt;
  std::size_t body = 0;
  auto env = parse_envelope(*data, body);
  if (!env) throw SpoolError("corrupt queue file " + queue_path(id).string());
  Loaded out{std::move(*env), data->substr(body), load_state(id).value_or(DeliveryState{})};
  return out;
}

std::optional<DeliveryState> Spool::load_state(const std::string& id) const {
  auto data = read_file(dir_ / "queue" / (id + ".state"));
  if (!data) return std::nullopt;
  return parse_state(*data);
}

void Spool::save_state(const std::string& id, const DeliveryState& st) {
  const fs::path tmp = dir_ / "tmp" / (id + ".state");
  const fs::path dst = dir_ / "queue" / (id + ".state");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) sys_fail("create", tmp);
  try {
    write_all(fd, format_state(st), tmp);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::fdatasync(fd) != 0) {
    ::close(fd);
    sys_fail("fdatasync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), dst.c_str()) != 0) sys_fail("rename", tmp);
}

bool Spool::remove(const std::string& id) {
  if (!core::valid_queue_id(id)) return false;
  const bool existed = ::unlink(queue_path(id).c_str()) == 0;
  ::unlink((dir_ / "queue" / (id + ".state")).c_str());
  return existed;
}

}  // namespace portcullis::queue
