// Where dubctl reads a stream's recording: MediaMTX's folder, or its playback server (readback.hpp).
#include "readback.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "dub/http/server.hpp"
#include "dub/util/error.hpp"
#include "endpoints.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = DUB_SOURCE_DIR;

// DUBCTL_READBACK set for one test.
class ReadbackMode {
 public:
  explicit ReadbackMode(const char* value) { ::setenv("DUBCTL_READBACK", value, 1); }
  ReadbackMode(const ReadbackMode&) = delete;
  ReadbackMode& operator=(const ReadbackMode&) = delete;
  ~ReadbackMode() { ::unsetenv("DUBCTL_READBACK"); }
};

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Readback, SegmentNamesAreMediaMtxs) {
  EXPECT_EQ(dubctl::segment_name("2026-12-05T12:32:43.440534Z"), "2026-12-05_12-32-43-440534");
  EXPECT_EQ(dubctl::segment_name("2026-12-05T12:32:43.44Z"), "2026-12-05_12-32-43-440000");
  EXPECT_EQ(dubctl::segment_name("2026-12-05T12:32:43Z"), "2026-12-05_12-32-43-000000");
  EXPECT_EQ(dubctl::segment_name("2026-12-05T12:32:43.123456789+01:00"), "2026-12-05_12-32-43-123456");
  EXPECT_THROW((void)dubctl::segment_name("yesterday"), dub::Error);
  EXPECT_THROW((void)dubctl::segment_name("2026-12-05 12:32:43Z"), dub::Error);
}

TEST(Readback, TheModeIsFolderUnlessSaid) {
  EXPECT_EQ(dubctl::readback_mode(), dubctl::Readback::Folder);
  {
    const ReadbackMode mode("playback");
    EXPECT_EQ(dubctl::readback_mode(), dubctl::Readback::Playback);
  }
  const ReadbackMode bad("network");
  try {
    (void)dubctl::readback_mode();
    FAIL() << "accepted DUBCTL_READBACK=network";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("DUBCTL_READBACK=network: use folder"), std::string::npos) << e.what();
  }
}

TEST(Readback, FolderModeNamesMediaMtxsRecordingsFolder) {
  EXPECT_EQ(dubctl::recording_folder({}, kRoot, "s-1"), kRoot / "compose/media/recordings/live/s-1/out");
  EXPECT_EQ(dubctl::recording_folder({{"MEDIA_RECORDINGS_DIR", "/srv/rec"}}, kRoot, "s-1"),
            fs::path("/srv/rec/live/s-1/out"));
  try {
    (void)dubctl::recording_folder({{"MEDIA_RECORDINGS_DIR", "recordings"}}, kRoot, "s-1");
    FAIL() << "a volume was taken for a folder of this machine";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("set DUBCTL_READBACK=playback"), std::string::npos) << e.what();
  }
}

// A fake of MediaMTX's playback server: /list names two recordings, /get serves each.
class PlaybackServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dub::http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<dub::http::Server>(options);
    server_->get("/list", [this](const dub::http::Request& r) {
      if (r.query.at("path") == "live/broken/out") return dub::http::Response::error(500, "cannot read segments");
      if (r.query.at("path") == "live/odd/out")
        return dub::http::Response::json(200, {{{"start", "2026-12-05T12:00:00Z"}}});
      if (r.query.at("path") != "live/s-1/out") return dub::http::Response::error(404, "no recordings found");
      return dub::http::Response::json(
          200,
          nlohmann::json::array({{{"start", "2026-12-05T12:00:00.5Z"}, {"duration", 30.0}, {"url", base_ + "/get?n=1"}},
                                 {{"start", "2026-12-05T12:01:00Z"}, {"duration", 2.0}, {"url", base_ + "/get?n=2"}}}));
    });
    server_->get("/get", [](const dub::http::Request& r) {
      return dub::http::Response::text(200, "recording " + r.query.at("n"), "video/mp4");
    });
    server_->start();
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    dir_ = fs::temp_directory_path() / ("dubctl-readback-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override {
    server_->stop();
    fs::remove_all(dir_);
  }
  std::unique_ptr<dub::http::Server> server_;
  std::string base_;
  fs::path dir_;
};

TEST_F(PlaybackServer, PlaybackModeFetchesEveryRecordingBeforeListing) {
  const ReadbackMode mode("playback");
  const dubctl::EnvMap vars = {{"artifacts", dir_.string()}, {"mediamtx.playback", base_}};
  const auto folder = dubctl::recording_folder(vars, kRoot, "s-1");
  EXPECT_EQ(folder, dir_ / "readback/live/s-1/out");
  const auto segments = dubctl::recording_segments(folder);  // fetched now, oldest first
  ASSERT_EQ(segments.size(), 2U);
  EXPECT_EQ(segments[0].filename(), "2026-12-05_12-00-00-500000.mp4");
  EXPECT_EQ(segments[1].filename(), "2026-12-05_12-01-00-000000.mp4");
  EXPECT_EQ(read(segments[0]), "recording 1");
  EXPECT_EQ(read(segments[1]), "recording 2");
}

TEST_F(PlaybackServer, NothingRecordedIsNoSegmentAndAServerThatFailsIsAnError) {
  fs::create_directories(dir_);
  EXPECT_TRUE(dubctl::fetch_recordings(base_ + "/list?path=live/other/out", dir_).empty());
  try {
    (void)dubctl::fetch_recordings(base_ + "/list?path=live/broken/out", dir_);
    FAIL() << "a server error was taken as no recording";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("answered 500 to http://127.0.0.1:"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)dubctl::fetch_recordings(base_ + "/list?path=live/odd/out", dir_), dub::Error);
}

TEST(Readback, AFolderWithoutMarkerIsReadAsIs) {
  const auto dir = fs::temp_directory_path() / ("dubctl-readback-plain-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "2026-01-01_00-00-01-000000.mp4") << "b";
  std::ofstream(dir / "2026-01-01_00-00-00-000000.mp4") << "a";
  std::ofstream(dir / "notes.txt") << "not a segment";
  const auto segments = dubctl::recording_segments(dir);
  ASSERT_EQ(segments.size(), 2U);
  EXPECT_EQ(segments[0].filename(), "2026-01-01_00-00-00-000000.mp4");
  EXPECT_TRUE(dubctl::recording_segments(dir / "missing").empty());
  fs::remove_all(dir);
}

TEST(StackHost, TheEnginesHostUnlessSaid) {
  EXPECT_EQ(dubctl::stack_host("", ""), "localhost");
  EXPECT_EQ(dubctl::stack_host("", "unix:///run/other/docker.sock"), "localhost");
  EXPECT_EQ(dubctl::stack_host("", "tcp://10.0.0.5:2376"), "10.0.0.5");
  EXPECT_EQ(dubctl::stack_host("", "ssh://me@build-box"), "build-box");
  EXPECT_EQ(dubctl::stack_host("", "ssh://me@build-box:2222"), "build-box");
  EXPECT_EQ(dubctl::stack_host("", "tcp://[fd00::5]:2375"), "[fd00::5]");
  EXPECT_EQ(dubctl::stack_host("tunnel.local", "tcp://10.0.0.5:2376"), "tunnel.local");
  EXPECT_TRUE(dubctl::is_local_host("127.0.0.1"));
  EXPECT_FALSE(dubctl::is_local_host("10.0.0.5"));
}

}  // namespace
