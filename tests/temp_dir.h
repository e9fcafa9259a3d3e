// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace gan_test {

// A fresh directory per test, removed afterwards.
class TempDir {
public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "gst-gan-test-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

} // namespace gan_test
