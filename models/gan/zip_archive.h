// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>
#include <string_view>

namespace gan {

// Checks a whole zip archive (a TorchScript file) before LibTorch reads it: one disk, the end
// record (zip64 too) where it must be, every central-directory entry and its local header
// inside the file and consistent, no duplicate names, stored or deflated records only, and
// every record's CRC-32 (deflated ones inflated in bounded chunks). Throws gan::Error
// (Corrupt, or Truncated where the file ends early) naming `path` and the record.
//
// Why: LibTorch's reader does not check CRC-32s and trusts the sizes it finds, so one flipped
// bit can make it allocate 26 GB or walk off a buffer (found by fuzz/torchscript_fuzz.cpp).
// This turns every damaged or truncated file into an error. It cannot make a deliberately
// crafted archive with correct checksums safe: a TorchScript file is a program (PyTorch's
// security policy says so too); load only files you trust.
void verify_zip_archive(std::string_view bytes, const std::string &path);

} // namespace gan
