// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Records into a file (or stdout): JSON Lines (one record a line) or one JSON array. Each record
// is flushed as written, so a reader following the file sees it at once.

#include "publisher.h"

#include <cstdio>

namespace ganpub {

enum class FileFormat { JsonLines, JsonArray };

class FileTarget final : public Target {
public:
  // `path` "-" is stdout.
  FileTarget(std::string path, FileFormat format);
  ~FileTarget() override;
  std::string describe() const override;
  void start(std::chrono::milliseconds timeout) override;
  void service(Reporter &report, std::chrono::milliseconds wait) override;
  // A file that could not be opened takes records too, to count them lost at once (no
  // reconnection would ever deliver them).
  bool writable() const override { return file_ != nullptr || tried_; }
  void send(Reporter &report, const Record &record) override;
  uint64_t in_flight() const override { return 0; }
  void stop(Reporter &report) override;

private:
  void close_file();
  const std::string path_;
  const FileFormat format_;
  std::FILE *file_ = nullptr;
  bool tried_ = false; // start() or service() tried to open: one message per failure
  bool first_ = true;  // JSON array: no comma before the first record
};

} // namespace ganpub
