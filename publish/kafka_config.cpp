// SPDX-License-Identifier: LGPL-2.1-or-later
#include "kafka_config.h"

#include <sstream>
#include <stdexcept>

namespace ganpub {

std::vector<std::pair<std::string, std::string>> parse_kafka_config(const std::string &text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  for (std::string pair; std::getline(in, pair, ';');) {
    const size_t b = pair.find_first_not_of(" \t\n");
    if (b == std::string::npos)
      continue;
    pair = pair.substr(b);
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::runtime_error("Kafka setting '" + pair.substr(0, pair.find_first_of(" \t")) +
                               "' is not key=value");
    std::string key = pair.substr(0, eq);
    key.erase(key.find_last_not_of(" \t\n") + 1);
    if (key.empty())
      throw std::runtime_error("a Kafka setting has an empty key");
    out.emplace_back(key, pair.substr(eq + 1));
  }
  return out;
}

} // namespace ganpub
