#include "store/mariadb/uri.hpp"

#include <string_view>

#include "store/store.hpp"

namespace portcullis::store::mariadb {
namespace {

constexpr std::string_view scheme = "mariadb://";
constexpr std::string_view socket_prefix = "unix:";
constexpr const char* forms = "mariadb://USER@HOST[:PORT]/DB or mariadb://USER@unix:/PATH/TO/SOCKET/DB";

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool only(std::string_view text, std::string_view extra) {
  for (char c : text)
    if (!is_alnum(c) && extra.find(c) == std::string_view::npos) return false;
  return true;
}

class Parser {
 public:
  explicit Parser(const std::string& uri) : uri_(uri) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError("MariaDB store URI '" + uri_ + "': " + what + " (expected " + forms + ")");
  }

  Uri parse() {
    if (!std::string_view(uri_).starts_with(scheme)) fail("does not start with mariadb://");
    std::string_view rest = std::string_view(uri_).substr(scheme.size());
    if (rest.find_first_of("?#") != std::string_view::npos) fail("query strings and fragments are not supported");
    const auto at = rest.find('@');
    if (at == std::string_view::npos) fail("missing USER@");
    Uri out;
    parse_user(rest.substr(0, at), out);
    rest = rest.substr(at + 1);
    if (rest.starts_with(socket_prefix))
      parse_socket(rest.substr(socket_prefix.size()), out);
    else
      parse_tcp(rest, out);
    return out;
  }

 private:
  void parse_user(std::string_view user, Uri& out) const {
    if (user.find(':') != std::string_view::npos)
      fail("a password does not belong in the URI (put it in the password file)");
    if (user.empty()) fail("the user name is empty");
    if (!only(user, "_-.$"))
      fail("the user name '" + std::string(user) + "' has characters other than A-Z a-z 0-9 _-.$");
    out.user = user;
  }

  void parse_database(std::string_view db, Uri& out) const {
    if (db.empty()) fail("the database name is empty");
    if (db.find('/') != std::string_view::npos) fail("the database name '" + std::string(db) + "' contains '/'");
    if (!only(db, "_-$")) fail("the database name '" + std::string(db) + "' has characters other than A-Z a-z 0-9 _-$");
    out.database = db;
  }

  void parse_socket(std::string_view path, Uri& out) const {
    if (!path.starts_with('/')) fail("the socket path must be absolute (unix:/PATH/TO/SOCKET/DB)");
    const auto slash = path.rfind('/');
    if (slash == 0) fail("missing the socket path or the database (unix:/PATH/TO/SOCKET/DB)");
    out.socket = path.substr(0, slash);
    const auto db = path.substr(slash + 1);
    if (db.find('.') != std::string_view::npos)
      fail("the database name '" + std::string(db) + "' contains '.' (is /DB missing after the socket path?)");
    parse_database(db, out);
  }

  void parse_tcp(std::string_view rest, Uri& out) const {
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) fail("missing /DB after the host");
    std::string_view hostport = rest.substr(0, slash);
    parse_database(rest.substr(slash + 1), out);
    std::string_view port;
    if (hostport.starts_with('[')) {
      const auto close = hostport.find(']');
      if (close == std::string_view::npos) fail("unterminated [IPv6] address");
      out.host = hostport.substr(1, close - 1);
      const auto after = hostport.substr(close + 1);
      if (!after.empty() && !after.starts_with(':')) fail("unexpected text after the [IPv6] address");
      if (!after.empty()) port = after.substr(1);
      if (out.host.empty() || !only(out.host, ":.") || out.host.find(':') == std::string::npos)
        fail("'" + out.host + "' is not an IPv6 address");
    } else {
      const auto colon = hostport.find(':');
      if (colon != std::string_view::npos && hostport.find(':', colon + 1) != std::string_view::npos)
        fail("an IPv6 address must be written in brackets, e.g. [2001:db8::5]:3306");
      out.host = hostport.substr(0, colon);
      if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
      if (out.host.empty()) fail("the host is empty");
      if (!only(out.host, "-._")) fail("'" + out.host + "' is not a host name or an IP address");
    }
    out.port = 3306;
    if (hostport.ends_with(':')) fail("the port is empty");
    if (!port.empty()) {
      unsigned value = 0;
      for (char c : port) {
        if (c < '0' || c > '9' || value > 65535) fail("the port '" + std::string(port) + "' is not a number 1-65535");
        value = value * 10 + static_cast<unsigned>(c - '0');
      }
      if (value == 0 || value > 65535) fail("the port '" + std::string(port) + "' is not a number 1-65535");
      out.port = static_cast<uint16_t>(value);
    }
  }

  const std::string& uri_;
};

}  // namespace

std::string Uri::describe() const {
  if (!socket.empty()) return user + "@unix:" + socket + "/" + database;
  const bool v6 = host.find(':') != std::string::npos;
  return user + "@" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + database;
}

Uri parse_uri(const std::string& uri) { return Parser(uri).parse(); }

}  // namespace portcullis::store::mariadb
