// Hot reload of the Lua rules: loads the folder at start-up, then checks it every `poll`
// (and at once on reload_now(): SIGHUP, `portcullis reload`). A changed folder is read and
// checked on the worker pool; a set with errors is reported (one log line per error) and the
// running set stays.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>

#include "hooks/engine.hpp"

namespace portcullis::app {

class RulesWatcher {
 public:
  RulesWatcher(boost::asio::io_context& io, boost::asio::thread_pool& workers, hooks::Engine& engine,
               std::chrono::seconds poll);
  // Loads the rules now (blocking: call before serving) and starts polling.
  void start();
  void stop();
  void reload_now();

 private:
  boost::asio::awaitable<void> loop();
  void load(bool forced);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& workers_;
  hooks::Engine& engine_;
  std::chrono::seconds poll_;
  boost::asio::steady_timer timer_;
  bool forced_ = false;
  bool stopping_ = false;
};

}  // namespace portcullis::app
