// dubctl: proves a live-dubbing pipeline works, end to end, against real services.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "dub/media/publish.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "scenario.hpp"

int main(int argc, char** argv) {
  dub::log::set_component("dubctl");
  dub::log::set_format(dub::log::Format::Text);
  dub::log::set_level(dub::log::Level::Warn);

  CLI::App app{
      "dubctl: an end-to-end runner for the live-dubbing pipeline.\n"
      "An English stream goes in through MediaMTX, the media service cuts its audio into fragments, the STS\n"
      "service (Whisper -> Apertium -> espeak-ng) dubs them into Spanish, and the dubbed stream comes back out.\n"
      "dubctl starts the two compose projects (compose/media, compose/sts), publishes fixtures, waits, verifies\n"
      "the output and writes JUnit XML.\n\n"
      "Start here:\n"
      "  dubctl up all                       start both stacks and wait until healthy\n"
      "  dubctl probe fixtures/test_streams/30s-english-speech.mp4\n"
      "  dubctl down all                     stop both stacks\n",
      "dubctl"};
  app.set_version_flag("--version", std::string(DUB_VERSION));
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log what dubctl does (info level)");
  app.footer(
      "Exit codes: 0 success, 1 a check failed, 2 bad usage or a malformed scenario, 3 environment problem\n"
      "(Docker, ports, missing files), 130 interrupted.\n"
      "See man/dubctl.1 for every command and option.");

  dubctl::register_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (verbose) dub::log::set_level(dub::log::Level::Info);
  dub::media::set_libav_verbose(verbose);

  try {
    return dubctl::run_selected(app);
  } catch (const dubctl::ScenarioError& e) {
    const auto& problems = e.problems();
    if (problems.size() == 1) {
      std::cerr << "dubctl: invalid scenario: " << e.what() << '\n';
    } else {  // every problem of every file, one per line (dubctl validate prints them so too)
      std::cerr << "dubctl: invalid scenarios, " << problems.size() << " problems:\n";
      for (const auto& problem : problems) std::cerr << problem << '\n';
    }
    return 2;
  } catch (const dub::Error& e) {
    std::cerr << "dubctl: error: " << e.what() << '\n';
    return 3;
  }
}
