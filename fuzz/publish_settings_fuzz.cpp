// SPDX-License-Identifier: LGPL-2.1-or-later
// The publishing settings people type (publish/): ganpublish's kafka-config text and `gst-gan
// watch --publish` URLs. Any bytes give well-formed settings or a std::runtime_error; never a
// crash. The first byte picks the parser.
#include "kafka_config.h"
#include "target_url.h"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const std::string text(reinterpret_cast<const char *>(data) + 1, size - 1);
  try {
    if (data[0] & 1) {
      for (const auto &[key, value] : ganpub::parse_kafka_config(text))
        if (key.empty() || key.find(';') != std::string::npos ||
            key.find('=') != std::string::npos || value.find(';') != std::string::npos)
          std::abort();
    } else {
      const ganpub::TargetUrl t = ganpub::parse_target_url(text);
      const bool ok = t.scheme == "file"    ? !t.path.empty()
                      : t.scheme == "kafka" ? !t.brokers.empty() && !t.topic.empty()
                      : t.scheme == "mqtt"
                          ? !t.host.empty() && !t.topic.empty() && t.port >= 1 && t.port <= 65535
                          : false;
      if (!ok)
        std::abort();
    }
  } catch (const std::runtime_error &) {
  }
  return 0;
}
