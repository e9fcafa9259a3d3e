// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/threads.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  // Tests run with fixed threading so bit-exact comparisons compare like with like.
  gan::configure_threads(1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
