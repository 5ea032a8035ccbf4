#include "app/tls_holder.hpp"
#include "core/text.hpp"

#include "core/log.hpp"
#include "core/async.hpp"
#include "tls/cert_store.hpp"

namespace portcullis::app {

TlsHolder::TlsHolder(std::filesystem::path cert_dir)
    : cert_dir_(std::move(cert_dir)), keys_(std::make_shared<tls::TicketKeys>()) {}

std::shared_ptr<tls::ServerContexts> TlsHolder::build(const std::string& default_name) const {
  if (default_name.empty()) return nullptr;
  const tls::CertStore store(cert_dir_);
  std::vector<tls::StoredCertificate> certs;
  certs.push_back(store.load(default_name));  // the chosen one must load
  for (const auto& name : store.names()) {  // each file read once
    if (name == default_name || !store.exists(name)) continue;  // a pending request has no .crt
    try {
      certs.push_back(store.load(name));
    } catch (const std::exception& e) {  // an extra certificate that is broken only loses its SNI name
      log::warn("tls_certificate_skipped", {{"name", name}, {"error", e.what()}});
    }
  }
  return std::make_shared<tls::ServerContexts>(certs, default_name, keys_);
}

void TlsHolder::publish(std::shared_ptr<tls::ServerContexts> fresh, const std::string& default_name) {
  current_ = std::move(fresh);
  name_ = default_name;
  if (!current_) {
    log::info("tls_loaded", {{"certificate", ""}, {"starttls", "not offered (no tls-certificate setting)"}});
    return;
  }
  log::info("tls_loaded", {{"certificate", default_name}, {"certificates", core::join(current_->names(), ",")}});
}

void TlsHolder::load_now(const std::string& default_name) {
  try {
    publish(build(default_name), default_name);
  } catch (const std::exception& e) {
    log::error("tls_error", {{"certificate", default_name}, {"error", e.what()},
                             {"starttls", "not offered until this is fixed"}});
  }
}

boost::asio::awaitable<void> TlsHolder::reload(boost::asio::thread_pool& workers, std::string default_name) {
  try {
    // Only trivially destructible captures in a co_await expression (GCC 12, core/async.hpp).
    const std::string* name = &default_name;
    auto fresh = co_await core::offload(workers, [this, name] { return build(*name); });
    publish(std::move(fresh), default_name);
  } catch (const std::exception& e) {
    log::error("tls_error", {{"certificate", default_name}, {"error", e.what()},
                             {"kept", name_.empty() ? std::string("none") : name_}});
  }
}

}  // namespace portcullis::app
