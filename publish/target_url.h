// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// A publishing target written as one URL, as `gst-gan watch --publish` takes it:
//   mqtt://host[:port]/topic        (port 1883 by default; the topic may hold '/')
//   kafka://broker[:port][,broker[:port]...]/topic
//   file:PATH  or  file://PATH      (JSON Lines; "-" is stdout)

#include <string>

namespace ganpub {

struct TargetUrl {
  std::string scheme;  // "mqtt", "kafka" or "file"
  std::string host;    // mqtt
  int port = 0;        // mqtt
  std::string brokers; // kafka
  std::string topic;   // mqtt, kafka
  std::string path;    // file
};

// Throws std::runtime_error naming what is wrong with `url`.
TargetUrl parse_target_url(const std::string &url);

} // namespace ganpub
