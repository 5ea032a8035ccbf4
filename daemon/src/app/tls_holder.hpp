// The inbound TLS certificates in force: every certificate in tls.cert_dir, with the one
// named by the store setting `tls-certificate` as the default (SNI picks among the others).
// Reloaded at SIGHUP / `portcullis reload` and whenever that setting changes; the files are
// read on the worker pool and the new set replaces the old on the io thread. A broken chosen
// certificate keeps the previous set in force (tls_error). Sessions under way keep theirs.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "tls/server_context.hpp"

namespace portcullis::app {

class TlsHolder {
 public:
  explicit TlsHolder(std::filesystem::path cert_dir);
  // Synchronous (start-up).
  void load_now(const std::string& default_name);
  // From the io thread: loads on `workers`, publishes when done.
  boost::asio::awaitable<void> reload(boost::asio::thread_pool& workers, std::string default_name);
  std::shared_ptr<tls::ServerContexts> current() const { return current_; }
  const std::string& name() const { return name_; }
  void rotate_tickets() { keys_->rotate(); }

 private:
  // Builds the set (throws); empty name: nullptr.
  std::shared_ptr<tls::ServerContexts> build(const std::string& default_name) const;
  void publish(std::shared_ptr<tls::ServerContexts> fresh, const std::string& default_name);

  std::filesystem::path cert_dir_;
  std::shared_ptr<tls::TicketKeys> keys_;
  std::shared_ptr<tls::ServerContexts> current_;
  std::string name_;
};

}  // namespace portcullis::app
