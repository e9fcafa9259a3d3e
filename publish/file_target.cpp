// SPDX-License-Identifier: LGPL-2.1-or-later
#include "file_target.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ganpub {

FileTarget::FileTarget(std::string path, FileFormat format)
    : path_(std::move(path)), format_(format) {}

FileTarget::~FileTarget() { close_file(); }

std::string FileTarget::describe() const {
  return path_ == "-" ? std::string("file:stdout") : "file:" + path_;
}

void FileTarget::start(std::chrono::milliseconds) {
  if (file_)
    return;
  tried_ = true;
  first_ = true;
  file_ = path_ == "-" ? stdout : std::fopen(path_.c_str(), "w");
  if (!file_)
    throw std::runtime_error("cannot open '" + path_ + "' for writing: " + std::strerror(errno));
  if (format_ == FileFormat::JsonArray)
    std::fputs("[\n", file_);
}

void FileTarget::service(Reporter &report, std::chrono::milliseconds) {
  if (file_ || tried_)
    return; // a file that failed to open is said once; records are then lost and counted
  try {
    start(std::chrono::milliseconds(0));
    report.up(describe());
  } catch (const std::exception &e) {
    report.down(e.what());
  }
}

void FileTarget::send(Reporter &report, const Record &record) {
  if (!file_) {
    report.lost(1, "'" + path_ + "' is not open");
    return;
  }
  if (format_ == FileFormat::JsonArray && !first_)
    std::fputs(",\n", file_);
  first_ = false;
  std::fwrite(record.payload.data(), 1, record.payload.size(), file_);
  std::fputc('\n', file_);
  if (std::fflush(file_) != 0 || std::ferror(file_)) {
    const std::string why = "writing to '" + path_ + "' failed: " + std::strerror(errno);
    report.lost(1, why);
    report.down(why);
    close_file();
    return;
  }
  report.delivered(1);
}

void FileTarget::stop(Reporter &) { close_file(); }

void FileTarget::close_file() {
  if (!file_)
    return;
  if (format_ == FileFormat::JsonArray)
    std::fputs("]\n", file_);
  std::fflush(file_);
  if (file_ != stdout)
    std::fclose(file_);
  file_ = nullptr;
}

} // namespace ganpub
