// MediaMTX's recordings folder made writable for the non-root user it runs as (recordings.hpp).
#include "recordings.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>

#include "dub/util/error.hpp"

namespace {

namespace fs = std::filesystem;

TEST(Recordings, NumericUser) {
  const auto both = dubctl::parse_numeric_user("65534:65533");
  EXPECT_EQ(both.uid, 65534U);
  EXPECT_EQ(both.gid, 65533U);
  const auto one = dubctl::parse_numeric_user("1000");
  EXPECT_EQ(one.uid, 1000U);
  EXPECT_EQ(one.gid, 1000U);
  for (const auto* bad : {"nobody", "", "1000:", ":1000", "10 00", "-1:2"}) {
    try {
      dubctl::parse_numeric_user(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find("MEDIAMTX_USER='"), std::string::npos) << e.what();
    }
  }
}

TEST(Recordings, FolderIsRelativeToTheComposeFile) {
  const dubctl::Stack media{"media", "dubmedia", "/p/compose/media/docker-compose.e2e.yml"};
  EXPECT_EQ(dubctl::recordings_folder(media, {}), fs::path("/p/compose/media/recordings"));
  EXPECT_EQ(dubctl::recordings_folder(media, {{"MEDIA_RECORDINGS_DIR", "../rec"}}), fs::path("/p/compose/rec"));
  EXPECT_EQ(dubctl::recordings_folder(media, {{"MEDIA_RECORDINGS_DIR", "/srv/rec"}}), fs::path("/srv/rec"));
}

TEST(Recordings, AVolumeNameIsNotAFolder) {
  EXPECT_TRUE(dubctl::is_volume_name("recordings"));
  EXPECT_TRUE(dubctl::is_volume_name("dub-rec_1"));
  for (const auto* folder : {"./recordings", "../rec", "/srv/rec", "~/rec", "rec/live", ""}) {
    EXPECT_FALSE(dubctl::is_volume_name(folder)) << folder;
  }
}

class RecordingsReady : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_ = fs::temp_directory_path() / ("dub-recordings-" + std::to_string(::getpid()));
  dubctl::Stack media_{"media", "dubmedia", root_ / "compose/media/docker-compose.e2e.yml"};
};

// A volume of the engine (a Docker engine elsewhere): nothing of this machine is made or changed.
TEST_F(RecordingsReady, AVolumeIsLeftToTheEngine) {
  const std::map<std::string, std::string> given = {{"MEDIA_RECORDINGS_DIR", "recordings"}};
  EXPECT_EQ(dubctl::with_recordings_ready(media_, given), given);
  EXPECT_FALSE(fs::exists(root_ / "compose/media/recordings"));
}

// As root (CI, this machine), the folder and what earlier runs left in it become MEDIAMTX_USER's;
// otherwise MediaMTX runs as dubctl's own user, who owns the folder.
TEST_F(RecordingsReady, FolderCreatedAndWritableForMediaMtx) {
  const auto old = root_ / "compose/media/recordings/live/old-stream";
  fs::create_directories(old);
  std::ofstream(old / "seg.mp4") << "x";
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(old.c_str(), 0, 0), 0);
  }
  const auto env = dubctl::with_recordings_ready(media_, {{"MEDIAMTX_USER", "65534:65533"}});
  if (::geteuid() != 0) {
    EXPECT_EQ(env.at("MEDIAMTX_USER"), "65534:65533");  // as given
    EXPECT_EQ(dubctl::with_recordings_ready(media_, {}).at("MEDIAMTX_USER"),
              std::to_string(::getuid()) + ":" + std::to_string(::getgid()));
    return;
  }
  for (const auto& path : {root_ / "compose/media/recordings", old, old / "seg.mp4"}) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, 65534U) << path;
    EXPECT_EQ(st.st_gid, 65533U) << path;
  }
  // A folder somewhere else, created whole.
  const auto elsewhere = root_ / "elsewhere/rec";
  dubctl::with_recordings_ready(media_, {{"MEDIA_RECORDINGS_DIR", elsewhere.string()}});
  struct stat st {};
  ASSERT_EQ(::stat(elsewhere.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534U);  // the compose default, nobody
}

}  // namespace
