/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstgandetectmodel.h"

#include "gstgancommon.h"

#include <thread>
#include <utility>

GST_DEBUG_CATEGORY_EXTERN(gst_gan_detect_debug);
#define GST_CAT_DEFAULT gst_gan_detect_debug

// The shipped detector for a stream when no model is named: the Fashion-MNIST one for grey
// images of at most 64x64 (what it knows), the natural one for everything else.
static std::string default_for(const GstVideoInfo *info) {
  const bool small_grey = info && GST_VIDEO_INFO_FORMAT(info) == GST_VIDEO_FORMAT_GRAY8 &&
                          GST_VIDEO_INFO_WIDTH(info) <= 64 && GST_VIDEO_INFO_HEIGHT(info) <= 64;
  return gst_gan_shipped_model(small_grey ? "fmnist-detector.gan" : "natural-detector.gan");
}

GstGanDetectModel::~GstGanDetectModel() = default;

std::string GstGanDetectModel::path_of(const std::string &model) const {
  if (!model.empty())
    return model;
  std::lock_guard<std::mutex> guard(lock_);
  return default_model_.empty() ? default_for(NULL) : default_model_;
}

std::shared_ptr<gan::Detector> GstGanDetectModel::load(const std::string &path,
                                                       const Choice &choice, bool fatal) {
  return gst_gan_load_model<gan::Detector>(owner_, "detector", path, choice.description, fatal,
                                           choice.bf16);
}

void GstGanDetectModel::post_changed(const gan::Detector &detector) {
  gst_element_post_message(
      owner_,
      gst_message_new_element(GST_OBJECT(owner_),
                              gst_structure_new("gandetect-model-changed", "model", G_TYPE_STRING,
                                                detector.info().path.c_str(), "model-id",
                                                G_TYPE_STRING, detector.info().id.c_str(), NULL)));
}

// Loads the model the choice names (or the shipped default for the caps seen last), or joins
// the shared instance of model-instance-id, and puts it in place.
bool GstGanDetectModel::take(const Choice &choice) {
  const std::string path = path_of(choice.model);
  const auto loader = [&] { return load(path, choice, true); };
  std::shared_ptr<gan::SharedDetector> shared;
  std::shared_ptr<gan::Detector> detector;
  if (choice.instance_id.empty()) {
    detector = loader();
  } else if ((shared = gan::SharedDetector::acquire(choice.instance_id, loader))) {
    detector = shared->model();
    // The first element to start with a name loads the model; the others use it. Without a
    // model, the first stream's caps chose it: another stream whose caps would take another
    // shipped detector is told so.
    if (detector->info().path != path)
      GST_ELEMENT_WARNING(owner_, RESOURCE, SETTINGS,
                          ("model-instance-id '%s' already runs '%s'; this element uses it, not "
                           "'%s'%s",
                           choice.instance_id.c_str(), detector->info().path.c_str(), path.c_str(),
                           choice.model.empty() ? " (the shipped detector for these caps; set "
                                                  "model to choose one for every stream)"
                                                : ""),
                          (NULL));
  }
  if (!detector)
    return false;
  GST_INFO_OBJECT(owner_, "%s %s (%s%s%s)", shared ? "shares" : "loaded",
                  detector->info().path.c_str(), detector->info().id.c_str(),
                  detector->info().runtime_form.empty() ? "" : ", runs ",
                  detector->info().runtime_form.c_str());
  std::lock_guard<std::mutex> guard(lock_);
  detector_ = std::move(detector);
  shared_ = std::move(shared);
  shared_stream_ = shared_ ? shared_->attach() : -1;
  by_caps_ = false;
  return true;
}

bool GstGanDetectModel::start(const Choice &choice) {
  // A shared model with no model named waits for the caps, which choose the shipped detector
  // (a GRAY8 28x28 stream shares the Fashion-MNIST one, as a plain gandetect would run it).
  const bool by_caps = choice.model.empty() && !choice.instance_id.empty();
  if (!by_caps && !take(choice))
    return false;
  std::lock_guard<std::mutex> guard(lock_);
  by_caps_ = by_caps;
  return true;
}

// Tells the loader thread to end without waiting for it: a load under way (a probe may run for
// as long as a model's forward pass takes) finishes on its own and its result is dropped.
void GstGanDetectModel::stop() {
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (loader_)
      loader_->quit = true;
    loader_.reset();
    load_request_.reset();
  }
  loader_wake_.notify_all();
  set_sending(false);
  std::lock_guard<std::mutex> guard(lock_);
  shared_.reset();
  detector_.reset();
  by_caps_ = false;
}

bool GstGanDetectModel::set_caps(const GstVideoInfo &info, const Choice &choice) {
  bool by_caps;
  {
    std::lock_guard<std::mutex> guard(lock_);
    default_model_ = default_for(&info);
    by_caps = by_caps_;
  }
  if (by_caps && !take(choice))
    return false;
  const std::shared_ptr<gan::Detector> detector = current();
  // No model named: the shipped one for these caps (a shared model stays what it is).
  const std::string wanted = path_of(choice.model);
  if (!detector || !choice.model.empty() || !choice.instance_id.empty() ||
      detector->info().path == wanted)
    return true;
  std::shared_ptr<gan::Detector> fresh = load(wanted, choice, true);
  if (!fresh)
    return false;
  GST_INFO_OBJECT(owner_, "%dx%d %s frames take the shipped detector %s",
                  GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                  GST_VIDEO_INFO_NAME(&info), wanted.c_str());
  {
    std::lock_guard<std::mutex> guard(lock_);
    detector_ = fresh;
  }
  post_changed(*fresh); // as for any other model change
  return true;
}

void GstGanDetectModel::request_swap(const Choice &choice) {
  std::lock_guard<std::mutex> guard(lock_);
  if (!detector_) // before the first model is in place (a by-caps shared model): it loads it
    return;
  load_request_ = choice;
  if (!loader_) {
    loader_ = std::make_shared<Loader>();
    std::thread(run_loader, this, GST_ELEMENT(gst_object_ref(owner_)), loader_).detach();
  }
  loader_wake_.notify_all();
}

// The loader thread: holds a reference to the element (given by its starter) until it ends.
void GstGanDetectModel::run_loader(GstGanDetectModel *self, GstElement *owner,
                                   std::shared_ptr<Loader> state) {
  {
    std::unique_lock<std::mutex> lock(self->lock_);
    for (;;) {
      self->loader_wake_.wait(lock, [&] { return state->quit || self->load_request_; });
      if (state->quit)
        break;
      const Choice choice = *self->load_request_;
      self->load_request_.reset();
      lock.unlock();
      self->swap(choice, *state);
      lock.lock();
    }
  }
  gst_object_unref(owner);
}

void GstGanDetectModel::swap(const Choice &choice, const Loader &state) {
  const std::string path = path_of(choice.model);
  // Loaded beside whatever runs now, then swapped in.
  std::shared_ptr<gan::Detector> fresh = load(path, choice, false);
  if (!fresh)
    return;
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (state.quit || !detector_)
      return; // stopped while the new model loaded: the load is abandoned
    // A shared model changes for every element that shares it (each posts the change).
    if (shared_)
      shared_->set_model(fresh);
    detector_ = fresh;
  }
  GST_INFO_OBJECT(owner_, "swapped in detector %s (%s)", fresh->info().id.c_str(), path.c_str());
  post_changed(*fresh);
}

std::shared_ptr<gan::Detector> GstGanDetectModel::for_next_frame() {
  std::shared_ptr<gan::Detector> detector;
  bool changed = false;
  {
    std::lock_guard<std::mutex> guard(lock_);
    // A shared model may have been changed by another element that shares it.
    if (shared_ && (detector = shared_->model()) != detector_) {
      detector_ = detector;
      changed = true;
    }
    detector = detector_;
  }
  if (changed)
    post_changed(*detector);
  return detector;
}

std::shared_ptr<gan::Detector> GstGanDetectModel::current() const {
  std::lock_guard<std::mutex> guard(lock_);
  return detector_;
}

bool GstGanDetectModel::shared() const {
  std::lock_guard<std::mutex> guard(lock_);
  return shared_ != nullptr;
}

int64_t GstGanDetectModel::score(const std::shared_ptr<gan::Detector> &model, const float *inputs,
                                 int64_t n, int64_t height, int64_t width, float *logits,
                                 std::chrono::nanoseconds shared_timeout) {
  std::shared_ptr<gan::SharedDetector> shared;
  int64_t stream;
  {
    std::lock_guard<std::mutex> guard(lock_);
    shared = shared_;
    stream = shared_stream_;
  }
  if (shared)
    return shared->score(stream, model, inputs, n, height, width, logits, shared_timeout)
        .batch_inputs;
  model->score(inputs, n, height, width, logits);
  return n;
}

void GstGanDetectModel::set_sending(bool sending) {
  std::lock_guard<std::mutex> guard(lock_);
  if (!shared_ || (shared_stream_ >= 0) == sending)
    return;
  if (sending) {
    shared_stream_ = shared_->attach();
  } else {
    shared_->detach(shared_stream_);
    shared_stream_ = -1;
  }
}

void GstGanDetectModel::hurry(bool on) {
  std::lock_guard<std::mutex> guard(lock_);
  if (shared_ && shared_stream_ >= 0)
    shared_->hurry(shared_stream_, on);
}
