// SPDX-License-Identifier: LGPL-2.1-or-later
// Data in and out: IDX files, GStreamer sources (image folders, pipelines), PNG writing.

#include "test_util.h"

#include "images.h"
#include "sources.h"

#include "gan/image_header.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <random>

namespace {

using gan::ErrorCode;
using gan_test::expect_error;
using gan_test::TempDir;

std::vector<uint8_t> idx_images(uint32_t count, uint32_t rows, uint32_t cols) {
  std::vector<uint8_t> b = {0, 0, 0x08, 3};
  for (uint32_t v : {count, rows, cols})
    for (int shift : {24, 16, 8, 0})
      b.push_back(static_cast<uint8_t>(v >> shift));
  for (uint32_t i = 0; i < count * rows * cols; ++i)
    b.push_back(static_cast<uint8_t>(i * 7));
  return b;
}

void write_gz(const std::string &path, const std::vector<uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

class IdxFiles : public ::testing::Test {
protected:
  TempDir dir_;
  const std::vector<uint8_t> good_ = idx_images(5, 3, 4);
};

TEST_F(IdxFiles, ReadsRawAndGzipAlike) {
  gan_test::write_bytes(dir_.file("raw"), good_);
  write_gz(dir_.file("gz"), good_);
  for (const char *name : {"raw", "gz"}) {
    const gan::ImageSet set = gan::read_idx_images(dir_.file(name));
    EXPECT_EQ(set.count, 5);
    EXPECT_EQ(set.height, 3);
    EXPECT_EQ(set.width, 4);
    ASSERT_EQ(set.pixels.size(), 60u);
    EXPECT_EQ(set.pixels[59], static_cast<uint8_t>(59 * 7));
  }
}

TEST_F(IdxFiles, Missing) {
  expect_error([&] { gan::read_idx_images(dir_.file("absent.gz")); }, ErrorCode::NotFound);
}

TEST_F(IdxFiles, WrongMagicOrKind) {
  std::vector<uint8_t> b = good_;
  b[2] = 0x0d; // float data
  gan_test::write_bytes(dir_.file("float"), b);
  expect_error([&] { gan::read_idx_images(dir_.file("float")); }, ErrorCode::WrongKind);
  // A label file (1 dimension) is not an image file, and the reverse.
  const std::vector<uint8_t> labels = {0, 0, 8, 1, 0, 0, 0, 2, 4, 9};
  gan_test::write_bytes(dir_.file("labels"), labels);
  expect_error([&] { gan::read_idx_images(dir_.file("labels")); }, ErrorCode::WrongKind);
  EXPECT_EQ(gan::read_idx_labels(dir_.file("labels")), (std::vector<uint8_t>{4, 9}));
  expect_error([&] { gan::read_idx_labels(dir_.file("float")); }, ErrorCode::WrongKind);
}

TEST_F(IdxFiles, TruncatedRawAndGzip) {
  for (size_t keep : {2ul, 10ul, good_.size() - 1}) {
    gan_test::write_bytes(dir_.file("cut"),
                          {good_.begin(), good_.begin() + static_cast<long>(keep)});
    expect_error([&] { gan::read_idx_images(dir_.file("cut")); }, ErrorCode::Truncated);
  }
  // A gzip stream cut short.
  write_gz(dir_.file("full.gz"), idx_images(50, 28, 28));
  std::vector<uint8_t> gz = gan_test::read_bytes(dir_.file("full.gz"));
  gz.resize(gz.size() / 2);
  gan_test::write_bytes(dir_.file("cut.gz"), gz);
  expect_error([&] { gan::read_idx_images(dir_.file("cut.gz")); }, ErrorCode::Truncated);
}

TEST_F(IdxFiles, CorruptGzipAndImpossibleHeaders) {
  write_gz(dir_.file("full.gz"), idx_images(50, 28, 28));
  std::vector<uint8_t> gz = gan_test::read_bytes(dir_.file("full.gz"));
  gz[gz.size() - 6] ^= 0xff; // inside the CRC32 trailer
  gan_test::write_bytes(dir_.file("bad.gz"), gz);
  expect_error([&] { gan::read_idx_images(dir_.file("bad.gz")); }, ErrorCode::Corrupt);

  std::vector<uint8_t> huge = good_;
  for (int i = 4; i < 16; ++i)
    huge[static_cast<size_t>(i)] = 0xff; // 4 billion images of 4 billion squared pixels
  gan_test::write_bytes(dir_.file("huge"), huge);
  expect_error([&] { gan::read_idx_images(dir_.file("huge")); }, ErrorCode::Corrupt);

  std::vector<uint8_t> extra = good_;
  extra.push_back(1);
  gan_test::write_bytes(dir_.file("extra"), extra);
  expect_error([&] { gan::read_idx_images(dir_.file("extra")); }, ErrorCode::Corrupt);
}

TEST_F(IdxFiles, RandomDamageIsAlwaysACleanError) {
  write_gz(dir_.file("full.gz"), idx_images(20, 28, 28));
  const std::vector<uint8_t> gz = gan_test::read_bytes(dir_.file("full.gz"));
  std::mt19937 rng(99);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<uint8_t> b = trial % 2 ? gz : idx_images(20, 28, 28);
    if (trial % 3 == 0)
      b.resize(rng() % b.size());
    else
      for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k)
        b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    gan_test::write_bytes(dir_.file("damaged"), b);
    try {
      const gan::ImageSet set = gan::read_idx_images(dir_.file("damaged"));
      EXPECT_EQ(set.pixels.size(), static_cast<size_t>(set.count * set.height * set.width));
    } catch (const gan::Error &) {
    }
  }
}

TEST(FashionMnist, DebianPackageFilesLoad) {
  const std::string dir = gan::default_fashion_mnist_dir();
  const gan::ImageSet test = gan::read_idx_images(dir + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(test.height, 28);
  EXPECT_EQ(test.width, 28);
  const std::vector<uint8_t> labels = gan::read_idx_labels(dir + "/t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(labels.size(), 10000u);
  std::vector<int> histogram(10);
  for (uint8_t l : labels)
    ++histogram.at(l);
  for (int c : histogram)
    EXPECT_EQ(c, 1000); // the test set is balanced
}

TEST(GstSources, PipelineFramesAreConvertedAndResized) {
  const gan::ImageSet set = gan_tools::load_pipeline(
      "videotestsrc pattern=white num-buffers=5 ! video/x-raw,width=64,height=48", 1, 28, 28, 0);
  EXPECT_EQ(set.count, 5);
  EXPECT_EQ(set.height, 28);
  ASSERT_EQ(set.pixels.size(), 5u * 28 * 28);
  for (uint8_t p : set.pixels)
    ASSERT_GE(p, 230); // white in limited-range video is 235
  // max_frames stops early; RGB comes out planar (CHW).
  const gan::ImageSet rgb = gan_tools::load_pipeline(
      "videotestsrc pattern=red ! video/x-raw,width=32,height=32", 3, 8, 8, 3);
  EXPECT_EQ(rgb.count, 3);
  EXPECT_GE(rgb.pixels[0], 240);  // R plane
  EXPECT_LE(rgb.pixels[64], 15);  // G plane
  EXPECT_LE(rgb.pixels[128], 15); // B plane
}

TEST(GstSources, BadPipelinesAreErrorsNotCrashes) {
  expect_error([] { gan_tools::load_pipeline("nosuchelement ! fakesink", 1, 28, 28, 0); },
               ErrorCode::InvalidArgument);
  const std::string msg = expect_error(
      [] {
        gan_tools::load_pipeline("filesrc location=/nonexistent/clip.mp4 ! decodebin", 1, 28, 28,
                                 0);
      },
      ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("clip.mp4"), std::string::npos) << msg;
}

TEST(GstSources, ImageFolderRoundTrip) {
  TempDir dir;
  // Two 28x28 gray images written by the same PNG writer the CLI uses.
  std::vector<uint8_t> a(28 * 28), b(28 * 28);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<uint8_t>(i % 251);
    b[i] = static_cast<uint8_t>(255 - i % 200);
  }
  gan_tools::write_image_png(dir.file("b.png"), b.data(), 1, 28, 28);
  gan_tools::write_image_png(dir.file("a.png"), a.data(), 1, 28, 28);
  gan_test::write_bytes(dir.file("notes.txt"), {'x'});
  const gan::ImageSet set = gan_tools::load_image_folder(dir.path(), 1, 28, 28);
  ASSERT_EQ(set.count, 2);
  // Sorted by name, pixels exact (no resize needed, gray in and out).
  EXPECT_TRUE(std::equal(a.begin(), a.end(), set.image(0)));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), set.image(1)));

  expect_error([&] { gan_tools::load_image_folder(dir.file("none"), 1, 28, 28); },
               ErrorCode::NotFound);
  gan_test::write_bytes(dir.file("c.png"), {'n', 'o', 't', ' ', 'p', 'n', 'g'});
  expect_error([&] { gan_tools::load_image_folder(dir.path(), 1, 28, 28); },
               ErrorCode::InvalidArgument);
}

// One bad entry costs that entry, named on stderr: a symlink loop no longer aborts the whole
// load, and a FIFO (which would block the decoder) is no longer skipped without a word.
TEST(GstSources, ImageFolderSkipsBadEntriesWithAWarning) {
  TempDir dir;
  std::vector<uint8_t> a(28 * 28, 200);
  gan_tools::write_image_png(dir.file("a.png"), a.data(), 1, 28, 28);
  ASSERT_EQ(symlink("loop.png", dir.file("loop.png").c_str()), 0);
  ASSERT_EQ(symlink("absent.png", dir.file("dangling.png").c_str()), 0);
  ASSERT_EQ(mkfifo(dir.file("pipe.png").c_str(), 0600), 0);
  testing::internal::CaptureStderr();
  gan::ImageSet set;
  EXPECT_NO_THROW(set = gan_tools::load_image_folder(dir.path(), 1, 28, 28));
  const std::string warnings = testing::internal::GetCapturedStderr();
  EXPECT_EQ(set.count, 1);
  for (const char *name : {"loop.png", "dangling.png", "pipe.png"})
    EXPECT_NE(warnings.find(dir.file(name)), std::string::npos) << name << ": " << warnings;
}

// A regular file given as the folder is called what it is, not "does not exist".
TEST(GstSources, ImageFolderThatIsAFileIsNamedSo) {
  TempDir dir;
  gan_test::write_bytes(dir.file("photo.png"), {'x'});
  const std::string msg =
      expect_error([&] { gan_tools::load_image_folder(dir.file("photo.png"), 1, 28, 28); },
                   ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("not a folder"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("does not exist"), std::string::npos) << msg;
}

// An IDX header announcing more pixels than memory allows: the error names the file. A child
// process with a capped address space stands in for a small machine (not under ASan, whose
// shadow memory needs the address space).
TEST_F(IdxFiles, AnAllocationThatFailsNamesTheFile) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan needs an unlimited address space";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "ASan needs an unlimited address space";
#endif
#endif
  // 1024 images of 1024x1024 announced, and as many (sparse, zero) bytes present.
  std::vector<uint8_t> header = {0, 0, 0x08, 3};
  for (uint32_t v : {1024u, 1024u, 1024u})
    for (int shift : {24, 16, 8, 0})
      header.push_back(static_cast<uint8_t>(v >> shift));
  const std::string path = dir_.file("big.idx");
  gan_test::write_bytes(path, header);
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(header.size() + (size_t{1} << 30))), 0);

  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(out[0]);
    long pages = 0;
    if (FILE *statm = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(statm, "%ld", &pages) != 1)
        pages = 0;
      std::fclose(statm);
    }
    const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) +
                         (rlim_t{256} << 20);
    const rlimit rl{limit, limit};
    setrlimit(RLIMIT_AS, &rl);
    std::string what;
    try {
      gan::read_idx_images(path);
      what = "loaded";
    } catch (const gan::Error &e) {
      what = e.what();
    } catch (const std::exception &e) {
      what = std::string("not a gan::Error: ") + e.what();
    }
    if (write(out[1], what.data(), what.size()) < 0)
      _exit(1);
    _exit(0);
  }
  close(out[1]);
  std::string what;
  char buf[512];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;)
    what.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_NE(what.find("big.idx"), std::string::npos) << what;
  // Refused from its header, before anything is read (issue 32): the memory left is measured.
  EXPECT_NE(what.find("not enough memory for 1024 images of 1024x1024"), std::string::npos) << what;
}

// The PNG/JPEG header reader (gan/image_header.h): sizes from IHDR and from a JPEG's frame
// header behind its metadata segments; cut or inconsistent headers are errors naming the file;
// other bytes are not its business.
TEST(ImageHeaders, SizesComeFromTheHeaderAlone) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                              'I',  'H', 'D', 'R', 0,    0,    2,    0x80, 0, 0, 1, 0xe0};
  auto size = gan::parse_image_size(png.data(), png.size(), "a.png");
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, 640);
  EXPECT_EQ(size->height, 480);
  expect_error([&] { gan::parse_image_size(png.data(), 20, "cut.png"); }, ErrorCode::Truncated);
  png[12] = 'X';
  expect_error([&] { gan::parse_image_size(png.data(), png.size(), "x.png"); }, ErrorCode::Corrupt);

  // SOI, an APP1 segment of 100 bytes, fill bytes, SOF2 (progressive): 1920 wide, 1080 high.
  std::vector<uint8_t> jpeg = {0xff, 0xd8, 0xff, 0xe1, 0, 100};
  jpeg.resize(jpeg.size() + 98, 0x55);
  for (uint8_t b : {0xff, 0xff, 0xc2, 0, 11, 8, 0x04, 0x38, 0x07, 0x80, 3})
    jpeg.push_back(b);
  size = gan::parse_image_size(jpeg.data(), jpeg.size(), "a.jpg");
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, 1920);
  EXPECT_EQ(size->height, 1080);
  expect_error([&] { gan::parse_image_size(jpeg.data(), 50, "cut.jpg"); }, ErrorCode::Truncated);
  const std::vector<uint8_t> scan_first = {0xff, 0xd8, 0xff, 0xda, 0, 8};
  expect_error([&] { gan::parse_image_size(scan_first.data(), scan_first.size(), "s.jpg"); },
               ErrorCode::Corrupt);
  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
  EXPECT_FALSE(gan::parse_image_size(gif.data(), gif.size(), "a.gif").has_value());

  TempDir dir;
  gan_test::write_bytes(dir.file("big.jpg"),
                        {0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 3});
  const std::string msg =
      expect_error([&] { gan::check_image_size(dir.file("big.jpg")); }, ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("big.jpg' is 65535x65535 pixels"), std::string::npos) << msg;
  expect_error([&] { gan::check_image_size(dir.file("none.jpg")); }, ErrorCode::NotFound);
}

TEST(PngOutput, GridHasTheExpectedGeometry) {
  TempDir dir;
  std::vector<float> images(10 * 28 * 28, 0.0f);
  gan_tools::write_image_grid(dir.file("grid.png"), images.data(), 10, 1, 28, 28, 4, 2);
  // The PNG header holds the size: 3 rows x 4 columns of 56-pixel cells with 2-pixel borders.
  const std::vector<uint8_t> png = gan_test::read_bytes(dir.file("grid.png"));
  ASSERT_GT(png.size(), 24u);
  auto be32 = [&](size_t at) {
    return (uint32_t{png[at]} << 24) | (uint32_t{png[at + 1]} << 16) |
           (uint32_t{png[at + 2]} << 8) | png[at + 3];
  };
  EXPECT_EQ(be32(16), 4u * (56 + 2) + 2);
  EXPECT_EQ(be32(20), 3u * (56 + 2) + 2);
  // And through GStreamer's own decoder, a 0.0 pixel is mid-grey.
  const gan::ImageSet back = gan_tools::load_pipeline("filesrc location=" + dir.file("grid.png") +
                                                          " ! pngdec ! imagefreeze num-buffers=1",
                                                      1, be32(20), be32(16), 1);
  EXPECT_EQ(back.pixels[static_cast<size_t>(2 * back.width + 2)], 128);
  EXPECT_EQ(back.pixels[0], 0); // border
}

} // namespace
