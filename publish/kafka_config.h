// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// ganpublish's kafka-config property: librdkafka settings as text.

#include <string>
#include <utility>
#include <vector>

namespace ganpub {

// "k=v;k=v" (pairs split at semicolons: broker lists hold commas) into pairs; throws
// std::runtime_error for a pair without "=". Values are never echoed (they hold secrets).
std::vector<std::pair<std::string, std::string>> parse_kafka_config(const std::string &text);

} // namespace ganpub
