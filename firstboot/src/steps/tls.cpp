// Step "tls": the certificate STARTTLS offers, named "gateway" in the certificate folder and
// chosen with the store's `tls-certificate` setting. Self-signed for the host name (kept on a
// second run while it still names the host), or the admin's certificate, key and chain.
#include "steps/step.hpp"
#include "tls/cert_store.hpp"
#include "tls/x509.hpp"

namespace portcullis::firstboot {

constexpr const char* certificate_name = "gateway";

void apply_tls(StepContext& ctx) {
  const Target& t = ctx.target;
  const auto& a = ctx.answers;
  t.make_dir(t.config().tls.cert_dir, 0755);
  tls::CertStore certs(t.path(t.config().tls.cert_dir), t.service_owner().gid);
  tls::CertInfo info;
  if (a.tls_import) {
    info = certs.install(certificate_name, a.certificate_pem, a.key_pem, {}, true);
  } else {
    bool keep = false;
    if (certs.exists(certificate_name)) {
      try {
        const auto current = certs.load(certificate_name);
        keep = current.info.self_signed && tls::name_matches(current.info.dns_names, a.hostname);
        if (keep) info = current.info;
      } catch (const std::exception&) {
        keep = false;
      }
    }
    if (!keep) {
      const auto key = tls::generate_key(tls::KeyType::ec_p256);
      info = certs.install(certificate_name, tls::self_signed_pem(key.get(), {a.hostname}, 825),
                           tls::key_to_pem(key.get()), {}, true);
    }
  }
  ctx.store().set_setting("tls-certificate", certificate_name);
  t.log() << "  certificate " << certificate_name << ": " << info.subject << (info.self_signed ? " (self-signed)" : "")
          << ", SHA-256 " << info.sha256 << '\n';
}

}  // namespace portcullis::firstboot
