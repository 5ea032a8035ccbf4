// The MariaDB store URI. Two forms, never a password (that comes from a file):
//   mariadb://USER@HOST[:PORT]/DB            TCP; HOST is a name, an IPv4 address or [IPv6];
//                                            PORT defaults to 3306. "localhost" is TCP too
//                                            (127.0.0.1/::1), not libmariadb's implicit socket.
//   mariadb://USER@unix:/PATH/TO/SOCKET/DB   the server's unix socket at the absolute path
//                                            /PATH/TO/SOCKET; the last path segment is the
//                                            database (a database name never contains '/').
// e.g. mariadb://portcullis@db.internal/portcullis,
//      mariadb://portcullis@unix:/run/mysqld/mysqld.sock/portcullis.
// USER is letters, digits and "_-.$", DB letters, digits and "_-$"; no query string, no
// fragment, no percent-escapes.
#pragma once
#include <cstdint>
#include <string>

namespace portcullis::store::mariadb {

struct Uri {
  std::string user;
  std::string host;    // empty for the socket form
  uint16_t port = 0;   // 0 for the socket form
  std::string socket;  // empty for the TCP form
  std::string database;

  std::string describe() const;  // "USER@HOST:PORT/DB" or "USER@unix:SOCKET/DB", for messages
};

// Parses a "mariadb://..." URI; throws StoreError naming what is wrong.
Uri parse_uri(const std::string& uri);

}  // namespace portcullis::store::mariadb
