// The first-boot answers: what the wizard asks, in the one form every source produces.
//
// Every source (an answers.toml file, the seed disk, OVF properties, Hyper-V KVP, the kernel
// command line, the interactive dialogs) yields an AnswerMap of flat "section.key" -> text
// pairs; lists are comma-separated. validate() checks a whole map (each error names its field)
// and to_answers() turns a map without errors into typed Answers for the steps.
//
// Keys (default in brackets; * = required):
//   network.mode           dhcp | static                                   [dhcp]
//   network.interface      systemd.network Name= match (names or globs)   [en* eth*]
//   network.address        static*: address/prefix, e.g. 192.0.2.10/24 or 2001:db8::10/64
//   network.gateway        static*: the default gateway, inside network.address's network
//   network.dns            static: DNS servers, comma-separated            []
//   system.hostname*       the gateway's fully qualified host name
//   system.domain          the primary domain                              [hostname minus its first label]
//   system.timezone        a tz database name, e.g. Europe/Berlin          [UTC]
//   system.telemetry       true | false                                    [false]
//   admin.user             the admin account (store and console login)    [admin]
//   admin.password*        at least 12 characters, 3 character classes (or 20+ characters)
//   admin.password_scrypt, admin.password_crypt: instead of admin.password, its hashes for the
//                          store ($scrypt$..., `portcullis user`) and the console login (crypt(3),
//                          e.g. `mkpasswd -m yescrypt`); both or neither. The wizard itself
//                          keeps only these: no plain password is ever written to disk.
//   admin.email*           the admin's mailbox, outside the relayed domains
//   mail.domain            the first protected (relayed) domain            [system.domain]
//   mail.destination*      its mail server: host or host:port or [IPv6]:port
//   mail.recipients        all | specified                                 [all]
//   mail.postmaster        postmaster address, in mail.domain              [postmaster@mail.domain]
//   mail.relay_networks    networks allowed to relay out, CIDRs, comma-separated []
//   tls.mode               selfsign | import                               [selfsign]
//   tls.certificate        import*: PEM certificate file (relative: to the answers file)
//   tls.key                import*: PEM private key file
//   tls.chain              import: PEM intermediates file                  []
//   tls.certificate_pem, tls.key_pem, tls.chain_pem: the same as PEM text (for sources
//                          without files: OVF properties, KVP); a file and its _pem are exclusive
//   dkim.selector          the DKIM selector of the first domain's key     [portcullis]
//   dkim.key               rsa (2048) | rsa4096 | ed25519                  [rsa]
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::firstboot {

using AnswerMap = std::map<std::string, std::string>;

// A source that cannot be read or parsed (a malformed file, an unreadable device).
struct SourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every key the wizard knows, in the order the steps ask for them.
const std::vector<std::string>& known_keys();

struct FieldError {
  std::string field;    // "mail.postmaster"
  std::string message;  // "must be an address in the relayed domain example.org"
  bool operator==(const FieldError&) const = default;
};

struct ValidationContext {
  std::filesystem::path root = "/";  // the tree being set up: its tz database is checked
  std::filesystem::path base_dir;    // relative tls.* file names are resolved here
};

// Every problem of the map: unknown keys, missing required keys, bad values, and the
// cross-field rules (gateway inside the network, postmaster inside and admin e-mail outside
// the relayed domain, certificate and key that match). Empty: the map is good.
std::vector<FieldError> validate(const AnswerMap& answers, const ValidationContext& context);
// The errors of the named fields only (what one step of the dialogs shows).
std::vector<FieldError> validate_fields(const AnswerMap& answers, const ValidationContext& context,
                                        const std::vector<std::string>& fields);
// One line per error: "field: message".
std::string describe(const std::vector<FieldError>& errors);

struct Answers {
  struct Network {
    bool dhcp = true;
    std::string match = "en* eth*";
    std::string address;  // "192.0.2.10/24" (static)
    std::string gateway;
    std::vector<std::string> dns;
  } network;
  std::string hostname;
  std::string domain;
  std::string timezone = "UTC";
  bool telemetry = false;
  std::string admin_user = "admin";
  std::string admin_password;         // empty when the hashes were given
  std::string admin_password_scrypt;  // the store's hash
  std::string admin_password_crypt;   // the console login's crypt(3) hash
  std::string admin_email;
  std::string mail_domain;
  std::string destination_host;
  uint16_t destination_port = 25;
  bool recipients_specified = false;
  std::string postmaster;
  std::vector<std::string> relay_networks;  // normalised CIDRs
  bool tls_import = false;
  std::string certificate_pem;  // import: leaf + chain
  std::string key_pem;
  std::string dkim_selector = "portcullis";
  std::string dkim_key = "rsa";
};

// The typed answers of a map; throws std::invalid_argument with describe(errors) if
// validate() finds anything.
Answers to_answers(const AnswerMap& answers, const ValidationContext& context);
// The same without validation, for a map whose fields in use were checked already
// (validate_fields, --reconfigure); absent fields keep their defaults.
Answers typed_answers(const AnswerMap& answers, const ValidationContext& context);

// Replaces tls.certificate/key/chain (file names) by tls.*_pem with the files' contents, so
// the answers no longer depend on a file (a seed disk is unmounted, the state is whole).
AnswerMap inline_files(AnswerMap answers, const ValidationContext& context);

// Replaces admin.password by admin.password_scrypt and admin.password_crypt (yescrypt).
AnswerMap hash_password(AnswerMap answers);

// The map with defaults filled in (what the summary shows and what the state file keeps).
AnswerMap with_defaults(const AnswerMap& answers);

}  // namespace portcullis::firstboot
