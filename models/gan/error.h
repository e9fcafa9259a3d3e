// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <stdexcept>
#include <string>

namespace gan {

// What went wrong, precisely enough for a caller to react (the elements map these onto
// GStreamer error domains, the CLI onto exit messages, the tests onto expectations).
enum class ErrorCode {
  NotFound,            // the file does not exist or cannot be opened
  WrongKind,           // a readable file, but not the kind asked for (bad magic, other model kind)
  Truncated,           // the file ends before the data its header announces
  Corrupt,             // checksum, compression or header contents are inconsistent
  ConfigMismatch,      // the weights do not fit the architecture/config the file names
  UnknownArchitecture, // an architecture name this build does not know
  InvalidArgument,     // a bad option, config or call from the caller
  Io,                  // writing failed
  Inference,           // a forward pass failed
  Distributed,         // a peer of a multi-process run died, timed out or cannot be reached
};

const char *error_code_name(ErrorCode code);

class Error : public std::runtime_error {
public:
  Error(ErrorCode code, const std::string &message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

private:
  ErrorCode code_;
};

} // namespace gan
