#pragma once
// Shared by the libFuzzer targets: run a decoder on untrusted input where the contract is "a
// dub::Error naming the problem, nothing else". Any other exception is a finding: print it and
// abort, so libFuzzer saves the input as a crash reproducer.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <typeinfo>

#include "dub/util/error.hpp"

namespace dub::fuzz {

[[noreturn]] inline void finding(std::string_view what, const char* type, const char* message) {
  std::fprintf(stderr, "FUZZ FINDING in %.*s: %s escaped: %s\n", static_cast<int>(what.size()), what.data(), type,
               message);
  std::abort();
}

// Runs f(); returns true when it returned, false when it threw a dub::Error with a message.
template <class F>
bool guarded(std::string_view what, F&& f) {
  try {
    f();
    return true;
  } catch (const dub::Error& e) {
    if (std::string_view(e.what()).empty()) finding(what, "dub::Error", "(empty message)");
    return false;
  } catch (const std::exception& e) {
    finding(what, typeid(e).name(), e.what());
  } catch (...) {
    finding(what, "non-std exception", "?");
  }
}

}  // namespace dub::fuzz
