// A decoder joining a live pipeline that already plays, as the RTSP input's audio decoder does when
// rtspsrc exposes its pads: the pipeline keeps playing, the branch added behind the decoder plays
// and gets the media. A plain decodebin made such a pipeline lose its state (PAUSED until decodebin
// was done) and the branch added meanwhile waited in PAUSED: the worker read nothing for seconds.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gst_util.hpp"

namespace {

using namespace dub::media_service;
using namespace std::chrono_literals;

class RunningDecodebin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  void SetUp() override {
    // Live encoded audio, like rtspsrc's: the tee stands for its pads, which appear while it plays.
    pipe_ = gst_parse_launch(
        "audiotestsrc is-live=true ! audioconvert ! avenc_aac ! aacparse ! tee name=t allow-not-linked=true", nullptr);
    ASSERT_NE(pipe_, nullptr);
    ASSERT_NE(gst_element_set_state(pipe_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstState state = GST_STATE_NULL;
    ASSERT_EQ(gst_element_get_state(pipe_, &state, nullptr, 5 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
    ASSERT_EQ(state, GST_STATE_PLAYING);
  }
  void TearDown() override {
    if (GstElement* sink = sink_.load(); sink != nullptr) gst_object_unref(sink);
    gst::release_pipeline(pipe_);
  }

  // Attaches `dec` to a new tee pad; its decoded pad gets audioconvert ! appsink, each synced with
  // the pipeline as the input pipeline does.
  void attach(GstElement* dec) {
    g_signal_connect(dec, "pad-added", G_CALLBACK(&RunningDecodebin::on_decoded), this);
    gst_bin_add(GST_BIN(pipe_), dec);
    gst_element_sync_state_with_parent(dec);
    GstElement* tee = gst_bin_get_by_name(GST_BIN(pipe_), "t");
    GstPad* src = gst_element_request_pad_simple(tee, "src_%u");
    GstPad* sink = gst_element_get_static_pad(dec, "sink");
    EXPECT_EQ(gst_pad_link(src, sink), GST_PAD_LINK_OK);
    gst_object_unref(sink);
    gst_object_unref(src);
    gst_object_unref(tee);
  }

  static void on_decoded(GstElement* /*dec*/, GstPad* pad, gpointer data) {
    auto* self = static_cast<RunningDecodebin*>(data);
    GstElement* conv = gst::make_element("audioconvert");
    GstElement* sink = gst::make_element("appsink");
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = [](GstAppSink* s, gpointer d) {
      GstSample* sample = gst_app_sink_pull_sample(s);
      if (sample != nullptr) gst_sample_unref(sample);
      ++static_cast<RunningDecodebin*>(d)->samples_;
      return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, self, nullptr);
    gst_bin_add_many(GST_BIN(self->pipe_), conv, sink, nullptr);
    gst::link_or_throw(conv, sink);
    gst_element_sync_state_with_parent(sink);
    gst_element_sync_state_with_parent(conv);
    GstPad* conv_sink = gst_element_get_static_pad(conv, "sink");
    gst_pad_link(pad, conv_sink);
    gst_object_unref(conv_sink);
    self->sink_.store(GST_ELEMENT(gst_object_ref(sink)));
  }

  // Reads the bus for `limit`: true when the pipeline lost its state (PAUSED, pending PAUSED, while
  // its target stays PLAYING).
  [[nodiscard]] bool lost_state_within(std::chrono::milliseconds limit) const {
    GstBus* bus = gst_element_get_bus(pipe_);
    bool lost = false;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      GstMessage* msg = gst_bus_timed_pop_filtered(bus, 50 * GST_MSECOND, GST_MESSAGE_STATE_CHANGED);
      if (msg == nullptr) continue;
      if (GST_MESSAGE_SRC(msg) == GST_OBJECT(pipe_)) {
        GstState next = GST_STATE_VOID_PENDING;
        GstState pending = GST_STATE_VOID_PENDING;
        gst_message_parse_state_changed(msg, nullptr, &next, &pending);
        lost = lost || (next == GST_STATE_PAUSED && pending == GST_STATE_PAUSED);
      }
      gst_message_unref(msg);
    }
    gst_object_unref(bus);
    return lost;
  }

  GstElement* pipe_ = nullptr;
  std::atomic<GstElement*> sink_{nullptr};  // set on decodebin's streaming thread
  std::atomic<int> samples_{0};
};

TEST_F(RunningDecodebin, JoinsAPlayingLivePipelineWithoutPausingIt) {
  attach(gst::make_decodebin_for_running_pipeline());
  EXPECT_FALSE(lost_state_within(1500ms)) << "the live pipeline lost its state when the decoder joined it";
  GstElement* sink = sink_.load();
  ASSERT_NE(sink, nullptr) << "decodebin exposed no decoded pad";
  GstState state = GST_STATE_NULL;
  gst_element_get_state(sink, &state, nullptr, 0);
  EXPECT_EQ(state, GST_STATE_PLAYING) << "the branch behind the decoder is not playing";
  EXPECT_EQ(GST_STATE(pipe_), GST_STATE_PLAYING);
  EXPECT_GT(samples_.load(), 20) << "1.5 s of live audio decoded: about 70 AAC frames";
}

// The failure this guards against, shown on the same pipeline: a plain decodebin makes it lose its
// state, and the branch added behind it starts out PAUSED.
TEST_F(RunningDecodebin, APlainDecodebinMakesThePipelineLoseItsState) {
  attach(gst::make_element("decodebin"));
  EXPECT_TRUE(lost_state_within(1500ms));
}

}  // namespace
