// portcullis dnsbl test ZONE|all [--ip ADDRESS] [--server HOST[:PORT]] [--timeout SECONDS]
// (cli/dnsbl_test.cpp): checks zones the way RFC 5782 section 5 says, with the daemon's own
// resolver (net::Resolver) and DNSBL code (checks/dnsbl/examine.hpp) on a local io_context.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "store/store.hpp"

namespace portcullis::cli {

// A DNSBL zone given on the command line, checked and in the form it is stored in
// (cli/dnsbl_cmd.cpp): lower-cased, no trailing dot; UsageError if the daemon could not query it.
std::string dnsbl_zone_arg(const std::string& text);

// `configured` reads the zones of the store (called once the arguments are checked).
int dnsbl_test(Context& ctx, const std::vector<std::string>& args,
               const std::function<std::vector<store::DnsblZone>()>& configured);

}  // namespace portcullis::cli
