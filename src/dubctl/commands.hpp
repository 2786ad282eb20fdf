#pragma once
// Subcommand registration and dispatch. Each command lives in its own file.
#include <CLI/CLI.hpp>

namespace dubctl {

void register_commands(CLI::App& app);
// Runs the subcommand the user picked; returns the process exit code.
int run_selected(CLI::App& app);

}  // namespace dubctl
