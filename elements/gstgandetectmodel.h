/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

// gandetect's model: which detector scores the frames, and how it changes while they flow.
// - The model named, or with none the shipped detector for the caps (the Fashion-MNIST one for
//   grey frames of at most 64x64, the natural one for the rest), reloaded when caps change it.
// - With model-instance-id, the instance shared by that name in the process
//   (gan::SharedDetector): the first element to start loads it, the others use it; with no
//   model named it waits for the first caps, which choose it. The stream is attached while it
//   may send frames (start or flush to EOS or stop), so the others' partial batches wait for
//   it, and hurries while it flushes or stops, so its own never wait for them.
// - Hot swaps load on a loader thread, off the streaming and application threads: frames keep
//   the old model until the new one has loaded and passed its probe; the latest request wins.
//   A stop abandons the thread (never joined): a load under way runs out on its own, holding a
//   reference to the element, and its result is dropped.
// Errors (fatal at start, warnings for a failed swap) and "gandetect-model-changed" messages are
// posted on the owning element. Thread-safe.

#include "gan/runtime.h"
#include "gan/shared_detector.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

class GstGanDetectModel {
public:
  // What the properties ask for.
  struct Choice {
    std::string model;       // empty: the shipped detector for the caps
    std::string description; // TorchScript models' description (JSON or a file); empty: none
    std::string instance_id; // model-instance-id; empty: this element's own model
    bool bf16 = false;
  };

  explicit GstGanDetectModel(GstElement *owner) : owner_(owner) {}
  ~GstGanDetectModel();
  GstGanDetectModel(const GstGanDetectModel &) = delete;
  GstGanDetectModel &operator=(const GstGanDetectModel &) = delete;

  // Loads the model (or joins the shared instance); a by-caps shared model waits for
  // set_caps. False after an error message.
  bool start(const Choice &choice);
  // Ends the loader, detaches from a shared instance and drops the model.
  void stop();
  // New caps: the shipped detector they take when no model is named (loaded now, or the shared
  // instance joined). False after an error message.
  bool set_caps(const GstVideoInfo &info, const Choice &choice);
  // The model or its description changed: swapped in on the loader thread once loaded (before
  // the first model is in place, start or set_caps load it).
  void request_swap(const Choice &choice);

  // The model the next frame's inputs are made for (nullptr before one is in place). A shared
  // model changed by another element is taken here, and the change posted.
  std::shared_ptr<gan::Detector> for_next_frame();
  std::shared_ptr<gan::Detector> current() const;
  bool shared() const;

  // Scores n inputs with `model`: in the shared instance's batches, beside the other streams'
  // inputs (waiting at most `shared_timeout` for them), or alone. Returns the inputs of the
  // forward pass that scored them; throws what the model throws.
  int64_t score(const std::shared_ptr<gan::Detector> &model, const float *inputs, int64_t n,
                int64_t height, int64_t width, float *logits,
                std::chrono::nanoseconds shared_timeout);

  // With a shared instance: whether this stream may still send frames (between start or a
  // flush and EOS or stop), and whether it hurries (it flushes or stops).
  void set_sending(bool sending);
  void hurry(bool on);

private:
  struct Loader {
    bool quit = false; // the element stopped (guarded by lock_)
  };
  std::string path_of(const std::string &model) const;
  std::shared_ptr<gan::Detector> load(const std::string &path, const Choice &choice, bool fatal);
  bool take(const Choice &choice);
  void post_changed(const gan::Detector &detector);
  static void run_loader(GstGanDetectModel *self, GstElement *owner, std::shared_ptr<Loader> state);
  void swap(const Choice &choice, const Loader &state);

  GstElement *owner_;
  mutable std::mutex lock_;                 // guards everything below
  std::shared_ptr<gan::Detector> detector_; // with a shared instance: the last one seen there
  std::shared_ptr<gan::SharedDetector> shared_;
  int64_t shared_stream_ = -1; // this stream's id there while attached
  std::string default_model_;  // the shipped detector for the last caps
  bool by_caps_ = false;       // a shared instance waiting for the caps to choose its model
  std::shared_ptr<Loader> loader_;
  std::optional<Choice> load_request_;
  std::condition_variable loader_wake_;
};
