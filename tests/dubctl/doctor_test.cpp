// `dubctl doctor`'s verdicts, from made-up probe results: no Docker needed.
#include "doctor.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using dubctl::Check;
using dubctl::CheckLevel;
using dubctl::CommandResult;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Doctor, LineIsLevelCheckWhatAndFix) {
  EXPECT_EQ(dubctl::format_check({CheckLevel::Ok, "docker", "engine 20.10.24", ""}), "ok   docker: engine 20.10.24");
  EXPECT_EQ(dubctl::format_check({CheckLevel::Fail, "compose", "none", "install it"}),
            "FAIL compose: none -> install it");
  EXPECT_EQ(dubctl::format_check({CheckLevel::Warn, "disk x", "low", "free"}), "WARN disk x: low -> free");
}

TEST(Doctor, ExitsThreeOnlyWhenACheckFailed) {
  std::vector<Check> checks{{CheckLevel::Ok, "a", "", ""}, {CheckLevel::Warn, "b", "", ""}};
  EXPECT_EQ(dubctl::doctor_exit_code(checks), 0);
  checks.push_back({CheckLevel::Fail, "c", "", ""});
  EXPECT_EQ(dubctl::doctor_exit_code(checks), 3);
}

TEST(Doctor, DockerEngineVersion) {
  const auto ok = dubctl::docker_check(CommandResult{0, "20.10.24+dfsg1\n"});
  EXPECT_EQ(ok.level, CheckLevel::Ok);
  EXPECT_EQ(ok.what, "engine 20.10.24+dfsg1");
  EXPECT_EQ(dubctl::docker_check(CommandResult{0, "27.3.1\n"}).level, CheckLevel::Ok);
  const auto old = dubctl::docker_check(CommandResult{0, "19.03.15\n"});
  EXPECT_EQ(old.level, CheckLevel::Warn);
  EXPECT_FALSE(old.fix.empty());
  EXPECT_EQ(dubctl::docker_check(CommandResult{0, "garbage\n"}).level, CheckLevel::Warn);
}

TEST(Doctor, DockerProblemsSayWhatToDo) {
  const auto none = dubctl::docker_check(std::nullopt);
  EXPECT_EQ(none.level, CheckLevel::Fail);
  EXPECT_TRUE(has(none.fix, "scripts/bootstrap")) << none.fix;
  const auto down = dubctl::docker_check(CommandResult{
      1, "\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"});
  EXPECT_EQ(down.level, CheckLevel::Fail);
  EXPECT_TRUE(has(down.what, "Cannot connect to the Docker daemon")) << down.what;
  EXPECT_TRUE(has(down.fix, "start the engine")) << down.fix;
  const auto denied = dubctl::docker_check(CommandResult{
      1, "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock"});
  EXPECT_EQ(denied.level, CheckLevel::Fail);
  EXPECT_TRUE(has(denied.fix, "docker group")) << denied.fix;
}

TEST(Doctor, ComposeToolAndVersion) {
  const auto v2 = dubctl::compose_check({"docker", "compose"}, CommandResult{0, "2.24.1\n"});
  EXPECT_EQ(v2.level, CheckLevel::Ok);
  EXPECT_EQ(v2.what, "docker compose 2.24.1 (v2 plugin)");
  const auto v1 = dubctl::compose_check({"docker-compose"}, CommandResult{0, "1.29.2\n"});
  EXPECT_EQ(v1.level, CheckLevel::Ok);
  EXPECT_EQ(v1.what, "docker-compose 1.29.2 (v1)");
  EXPECT_EQ(dubctl::compose_check({"docker-compose"}, CommandResult{0, "1.25.0\n"}).level, CheckLevel::Warn);
  EXPECT_EQ(dubctl::compose_check({}, std::nullopt).level, CheckLevel::Fail);
  EXPECT_EQ(dubctl::compose_check({"docker-compose"}, CommandResult{1, "boom"}).level, CheckLevel::Fail);
}

TEST(Doctor, PortsFreeTakenOrHeldByTheStackItself) {
  const std::vector<dubctl::PublishedPort> ports{{"mediamtx", "MEDIAMTX_RTSP_PORT", 8554, 8554},
                                                 {"media-service", "MEDIA_SERVICE_PORT", 8080, 8080}};
  const auto free = dubctl::ports_check("media", ports, {}, {});
  EXPECT_EQ(free.level, CheckLevel::Ok);
  EXPECT_EQ(free.name, "ports media");
  EXPECT_EQ(free.what, "free: 8554 (MEDIAMTX_RTSP_PORT), 8080 (MEDIA_SERVICE_PORT)");

  const auto taken = dubctl::ports_check("media", ports, {8080}, {});
  EXPECT_EQ(taken.level, CheckLevel::Fail);
  EXPECT_EQ(taken.what, "in use by something else: 8080 (MEDIA_SERVICE_PORT)");
  EXPECT_TRUE(has(taken.fix, "--env MEDIA_SERVICE_PORT=18080")) << taken.fix;

  const auto own = dubctl::ports_check("media", ports, {8080, 8554}, {8080, 8554});
  EXPECT_EQ(own.level, CheckLevel::Ok);
  EXPECT_TRUE(has(own.what, "own running containers: 8554 (MEDIAMTX_RTSP_PORT), 8080")) << own.what;
}

TEST(Doctor, ImagePresentMissingAndItsInputsStamp) {
  const auto missing = dubctl::image_check("dubctl/sts-service:dev", CommandResult{1, "Error: No such image"});
  EXPECT_EQ(missing.level, CheckLevel::Fail);
  EXPECT_TRUE(has(missing.fix, "scripts/provision-images")) << missing.fix;
  const auto stamped = dubctl::image_check("dubctl/sts-service:dev", CommandResult{0, "0123456789abcdef0123\n"});
  EXPECT_EQ(stamped.level, CheckLevel::Ok);
  EXPECT_TRUE(has(stamped.what, "inputs stamp 0123456789ab ")) << stamped.what;
  const auto pulled = dubctl::image_check("bluenviron/mediamtx:1.15.3-ffmpeg", CommandResult{0, "<no value>\n"});
  EXPECT_EQ(pulled.level, CheckLevel::Ok);
  EXPECT_TRUE(has(pulled.what, "no inputs stamp")) << pulled.what;
}

constexpr const char* kLock = R"({"models": [
  {"name": "base", "parts": [{"files": {"model.bin.part1": "aa"}}],
   "assemble": {"model.bin": {"from": ["model.bin.part1"], "sha256": "d01c3014881c9c6f3133"}}},
  {"name": "tiny.en", "parts": [{"files": {"config.json": "cc", "model.bin": "5e7ab1a8c2f4d9e0aa11"}}]}]})";

TEST(Doctor, ModelsAsTheLockPinsThem) {
  const auto ok = dubctl::models_check(kLock, "base", "dubctl/sts-service:dev", true);
  EXPECT_EQ(ok.level, CheckLevel::Ok);
  EXPECT_TRUE(has(ok.what, "base (model.bin sha256 d01c3014881c), tiny.en (model.bin sha256 5e7ab1a8c2f4)")) << ok.what;
  EXPECT_TRUE(has(ok.what, "dubctl/sts-service:dev, present")) << ok.what;

  const auto no_image = dubctl::models_check(kLock, "base", "dubctl/sts-service:dev", false);
  EXPECT_EQ(no_image.level, CheckLevel::Fail);
  EXPECT_TRUE(has(no_image.fix, "provision-images --only sts")) << no_image.fix;
  EXPECT_EQ(dubctl::models_check(kLock, "base", "x", std::nullopt).level, CheckLevel::Warn);

  const auto unknown = dubctl::models_check(kLock, "small", "dubctl/sts-service:dev", true);
  EXPECT_EQ(unknown.level, CheckLevel::Fail);
  EXPECT_TRUE(has(unknown.fix, "one of base, tiny.en")) << unknown.fix;
  EXPECT_EQ(dubctl::models_check("{not json", "base", "x", true).level, CheckLevel::Fail);
}

TEST(Doctor, DiskSpaceThresholds) {
  const std::uint64_t gib = 1ULL << 30;
  const auto plenty = dubctl::disk_check("docker", "/var/lib/docker", 40 * gib);
  EXPECT_EQ(plenty.level, CheckLevel::Ok);
  EXPECT_EQ(plenty.what, "40.0 GiB free at /var/lib/docker");
  EXPECT_EQ(dubctl::disk_check("docker", "/d", dubctl::kDiskWarnBytes - 1).level, CheckLevel::Warn);
  EXPECT_EQ(dubctl::disk_check("docker", "/d", dubctl::kDiskWarnBytes).level, CheckLevel::Ok);
  const auto low = dubctl::disk_check("artifacts", "/w/out", gib / 2);
  EXPECT_EQ(low.level, CheckLevel::Fail);
  EXPECT_TRUE(has(low.fix, "--artifacts")) << low.fix;
  EXPECT_EQ(dubctl::disk_check("docker", "/d", std::nullopt, "Permission denied").level, CheckLevel::Warn);
}

TEST(Doctor, ImagesTheComposeFileNames) {
  const auto file = std::filesystem::path(testing::TempDir()) / "doctor-compose.yml";
  std::ofstream(file) << "services:\n"
                         "  a: {image: \"repo/a:${A_TAG:-dev}\"}\n"
                         "  b: {build: .}\n"
                         "  c: {image: repo/c:1}\n"
                         "  d: {image: repo/c:1}\n";
  EXPECT_EQ(dubctl::compose_images(file, {}), (std::vector<std::string>{"repo/a:dev", "repo/c:1"}));
  EXPECT_EQ(dubctl::compose_images(file, {{"A_TAG", "x"}}), (std::vector<std::string>{"repo/a:x", "repo/c:1"}));
}

}  // namespace
