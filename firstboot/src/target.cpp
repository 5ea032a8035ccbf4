// The tree being set up (see target.hpp): path mapping, id lookups, atomic writes, programs.
#include "target.hpp"

#include "core/process.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace portcullis::firstboot {
using core::exec_argv;
using core::Pipe;
using core::read_all;
using core::wait_for;
namespace {

// The third field of the line of `name` in a passwd/group style file.
std::optional<unsigned> lookup_id(const std::filesystem::path& file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream s(line);
    std::string f;
    while (std::getline(s, f, ':')) fields.push_back(f);
    if (fields.size() >= 3 && fields[0] == name) {
      try {
        return static_cast<unsigned>(std::stoul(fields[2]));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open " + dir.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot sync " + dir.string());
}

}  // namespace

Target::Target(std::filesystem::path root, core::Config config, std::ostream& log)
    : root_(std::move(root)), config_(std::move(config)), log_(log) {}

bool Target::live() const {
  std::error_code ec;
  return std::filesystem::equivalent(root_, "/", ec);
}

std::filesystem::path Target::path(const std::filesystem::path& absolute) const {
  if (!absolute.is_absolute()) throw std::invalid_argument("not an absolute path: " + absolute.string());
  return root_ / absolute.relative_path();
}

std::optional<uid_t> Target::user_id(const std::string& name) const { return lookup_id(path("/etc/passwd"), name); }
std::optional<gid_t> Target::group_id(const std::string& name) const { return lookup_id(path("/etc/group"), name); }

Owner Target::service_owner() const {
  Owner o;
  if (const auto uid = user_id(config_.user)) o.uid = *uid;
  const std::string group = config_.group.empty() ? config_.user : config_.group;
  if (const auto gid = group_id(group)) o.gid = *gid;
  return o;
}

void Target::make_dir(const std::filesystem::path& absolute, mode_t mode, Owner owner) const {
  const auto p = path(absolute);
  std::filesystem::create_directories(p);
  if (::chmod(p.c_str(), mode) != 0) fail("cannot chmod " + p.string());
  if (::lchown(p.c_str(), owner.uid, owner.gid) != 0) fail("cannot chown " + p.string());
}

void Target::write_file(const std::filesystem::path& absolute, const std::string& text, mode_t mode,
                        Owner owner) const {
  const auto p = path(absolute);
  std::filesystem::create_directories(p.parent_path());
  const auto tmp = p.parent_path() / ("." + p.filename().string() + ".firstboot-tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) fail("cannot create " + tmp.string());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("cannot write " + tmp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  // Owner and mode before the data becomes visible under its name: a secret is never readable
  // by anyone it is not meant for, not even for a moment.
  if (::fchown(fd, owner.uid, owner.gid) != 0 || ::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    fail("cannot finish " + tmp.string());
  }
  ::close(fd);
  if (::rename(tmp.c_str(), p.c_str()) != 0) fail("cannot rename " + tmp.string());
  fsync_dir(p.parent_path());
}

std::string Target::run(const std::vector<std::string>& argv, const std::string& input) const {
  Pipe in, out;
  std::vector<std::string> args = argv;
  const auto cargv = exec_argv(args);
  const pid_t pid = ::fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    ::dup2(in.read.get(), STDIN_FILENO);
    ::dup2(out.write.get(), STDOUT_FILENO);
    ::dup2(out.write.get(), STDERR_FILENO);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  in.read.reset();
  out.write.reset();
  std::size_t done = 0;
  while (done < input.size()) {
    const ssize_t n = ::write(in.write.get(), input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<std::size_t>(n);
  }
  in.write.reset();
  std::string output = read_all(out.read.get(), 65536);
  const int status = wait_for(pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string what = argv[0];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) what += " could not be run (not installed?)";
    else what += " failed (status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")";
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    throw std::runtime_error(what + (output.empty() ? "" : ": " + output));
  }
  return output;
}

std::string random_secret(std::size_t length) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < length) {
    unsigned char b[64];
    if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("no random numbers (RAND_bytes failed)");
    for (unsigned char c : b)
      if (c < 248 && out.size() < length) out += alphabet[c % 62];  // 248 = 4 * 62: no bias
  }
  return out;
}

}  // namespace portcullis::firstboot
