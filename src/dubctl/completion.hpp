#pragma once
// `dubctl completion bash|zsh`: a shell completion script, generated from the command line the
// program itself parses (subcommands, options, positionals), so it cannot drift from it. Values:
// stack names for up/down, scenario files (*.yaml, *.yml) and folders for run/validate/list, files
// for the other positionals and for options that name a file, folders for --artifacts.
// Installed nowhere by default; man/dubctl.1 and README.md say how to load or install it.
#include <CLI/CLI.hpp>

#include <string>

namespace dubctl {

// The script for `shell` ("bash" or "zsh"); throws dub::Error for another shell.
std::string completion_script(const CLI::App& app, const std::string& shell);

}  // namespace dubctl
