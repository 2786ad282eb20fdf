#pragma once
// Shared by the scenario parser tests: a malformed scenario must be refused with a message
// that names the file and line (scenarios/x.yaml:<line>:) and contains `text` (the key).
#include <gtest/gtest.h>

#include <string>

#include "scenario.hpp"

inline void expect_rejected(const std::string& yaml, int line, const std::string& text) {
  try {
    dubctl::parse_scenario(yaml, "scenarios/x.yaml");
    FAIL() << "accepted:\n" << yaml;
  } catch (const dubctl::ScenarioError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("scenarios/x.yaml:" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(text), std::string::npos) << msg;
  }
}
