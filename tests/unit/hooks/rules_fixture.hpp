// Test helper: a temporary rules folder and an Engine (no worker threads) running its scripts
// on the calling thread, plus builders for event views.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "hooks/engine.hpp"
#include "mail/headers.hpp"

namespace portcullis::hooks::testing {

class RulesFolder {
 public:
  RulesFolder() {
    dir_ = std::filesystem::temp_directory_path() /
           ("portcullis-rules-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
  }
  ~RulesFolder() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RulesFolder(const RulesFolder&) = delete;
  RulesFolder& operator=(const RulesFolder&) = delete;

  void write(const std::string& name, const std::string& source) const {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << source;
  }
  void remove(const std::string& name) const { std::filesystem::remove(dir_ / name); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
};

inline Limits small_limits() {
  Limits l;
  l.instructions = 2'000'000;
  l.memory = 16 * 1024 * 1024;
  l.wall = std::chrono::milliseconds(2000);
  l.pattern_steps = 200'000;
  return l;
}

// An engine over one folder. load() asserts the folder loads.
struct RulesEngine {
  RulesFolder folder;
  std::unique_ptr<Engine> engine;

  explicit RulesEngine(Limits limits = small_limits(), FailurePolicy failure = FailurePolicy::tempfail,
                       std::function<std::unique_ptr<store::Store>()> open_store = {}) {
    EngineOptions o;
    o.rules_dir = folder.dir();
    o.workers = 0;
    o.limits = limits;
    o.on_failure = failure;
    o.open_store = std::move(open_store);
    engine = std::make_unique<Engine>(o);
  }
  LoadReport load() { return engine->reload(); }
  void load_ok(const std::string& name, const std::string& source) {
    folder.write(name, source);
    const auto r = engine->reload();
    ASSERT_TRUE(r.rules != nullptr) << (r.errors.empty() ? "" : r.errors.front());
  }
  Outcome run(const EventData& e) { return engine->run_here(e); }
};

inline EventData event(EventKind kind) {
  EventData e;
  e.kind = kind;
  e.client_ip = "192.0.2.10";
  e.client_port = 40000;
  e.listener = "inbound";
  e.helo = "mx.sender.example";
  e.sender = "alice@sender.example";
  e.recipients = {"bob@example.org"};
  return e;
}

// A data event over `message` (headers parsed, body readable).
struct MessageEvent {
  std::string message;
  mail::HeaderSection headers;
  EventData data;
  explicit MessageEvent(std::string text) : message(std::move(text)), headers(mail::parse_headers(message)) {
    data = event(EventKind::data);
    data.queue_id = "QID123";
    data.size = message.size();
    data.headers = &headers;
    data.read_message = [this](std::size_t off, std::size_t len) {
      return off >= message.size() ? std::string() : message.substr(off, len);
    };
  }
  MessageEvent(const MessageEvent&) = delete;
  MessageEvent& operator=(const MessageEvent&) = delete;
};

}  // namespace portcullis::hooks::testing
