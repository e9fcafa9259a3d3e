// SPDX-License-Identifier: LGPL-2.1-or-later
#include "target_url.h"

#include <stdexcept>

namespace ganpub {

namespace {

[[noreturn]] void bad(const std::string &url, const std::string &why) {
  throw std::runtime_error("publishing target '" + url + "': " + why +
                           " (mqtt://host[:port]/topic, kafka://broker[:port][,...]/topic or "
                           "file:PATH)");
}

} // namespace

TargetUrl parse_target_url(const std::string &url) {
  TargetUrl t;
  const size_t colon = url.find(':');
  if (colon == std::string::npos)
    bad(url, "no scheme");
  t.scheme = url.substr(0, colon);
  std::string rest = url.substr(colon + 1);
  if (t.scheme == "file") {
    if (rest.rfind("//", 0) == 0)
      rest = rest.substr(2);
    if (rest.empty())
      bad(url, "no path");
    t.path = rest;
    return t;
  }
  if (t.scheme != "mqtt" && t.scheme != "kafka")
    bad(url, "unknown scheme '" + t.scheme + "'");
  if (rest.rfind("//", 0) != 0)
    bad(url, "'//' expected after '" + t.scheme + ":'");
  rest = rest.substr(2);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 >= rest.size())
    bad(url, "no topic");
  const std::string authority = rest.substr(0, slash);
  t.topic = rest.substr(slash + 1);
  if (authority.empty())
    bad(url, "no host");
  if (t.scheme == "kafka") {
    t.brokers = authority;
    return t;
  }
  const size_t port_at = authority.rfind(':');
  t.host = authority.substr(0, port_at);
  t.port = 1883;
  if (port_at != std::string::npos) {
    const std::string port = authority.substr(port_at + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos)
      bad(url, "port '" + port + "' is not a number");
    t.port = std::stoi(port);
    if (t.port < 1 || t.port > 65535)
      bad(url, "port " + port + " is out of range");
  }
  if (t.host.empty())
    bad(url, "no host");
  return t;
}

} // namespace ganpub
