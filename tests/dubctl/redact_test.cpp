// Secrets (redact.hpp): a secret's value never reaches the terminal, the saved logs, junit.xml or
// report.html; a scenario declares its secret variables under `secrets:`.
#include "redact.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "junit.hpp"
#include "report.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"

namespace {

namespace fs = std::filesystem;
using dubctl::EnvMap;
using dubctl::Redactor;

TEST(Redactor, MasksEveryOccurrenceOfEverySecretValue) {
  Redactor r;
  r.add_value("tok-123456");
  r.add_value("hunter22");
  EXPECT_EQ(r.apply("connect token=tok-123456 then tok-123456; pw hunter22."), "connect token=*** then ***; pw ***.");
  EXPECT_EQ(r.apply("nothing secret here"), "nothing secret here");
  EXPECT_EQ(r.apply(""), "");
  EXPECT_EQ(r.apply("tok-123456"), "***");
}

TEST(Redactor, IgnoresValuesShorterThanTheFloor) {
  Redactor r;
  r.add_value("abc");  // would mask every "abc" in unrelated text
  r.add_value("");
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.apply("abc 123"), "abc 123");
  r.add_value(std::string(Redactor::kMinLength, 'z'));
  EXPECT_EQ(r.apply("zzzz"), "***");
}

TEST(Redactor, MasksASecretThatContainsAnotherWhole) {
  Redactor r;
  r.add_value("abcd");
  r.add_value("xxabcdyy");  // added after the shorter one: still masked first
  EXPECT_EQ(r.apply("[xxabcdyy] [abcd]"), "[***] [***]");
}

TEST(Redactor, MasksTheEscapedFormAsXmlAndHtmlHoldIt) {
  Redactor r;
  r.add_value("p&ss<word>");
  EXPECT_EQ(r.apply(dubctl::xml_escape("pw=p&ss<word>")), "pw=***");
}

TEST(Redactor, SecretNamesByListAndBySuffix) {
  const std::set<std::string> declared = {"API_KEY"};
  EXPECT_TRUE(Redactor::is_secret_name("API_KEY", declared));
  EXPECT_TRUE(Redactor::is_secret_name("STS_AUTH_TOKEN", {}));
  EXPECT_TRUE(Redactor::is_secret_name("GITHUB_TOKEN", {}));
  EXPECT_TRUE(Redactor::is_secret_name("DB_PASSWORD", {}));
  EXPECT_TRUE(Redactor::is_secret_name("client_secret", {}));
  EXPECT_FALSE(Redactor::is_secret_name("MEDIA_SERVICE_PORT", declared));
  EXPECT_FALSE(Redactor::is_secret_name("TOKEN_COUNT", {}));
  EXPECT_FALSE(Redactor::is_secret_name("API_KEY", {}));
}

constexpr const char* kWithSecrets = R"(name: with-secrets
description: an API key from a stack's env
secrets: [API_KEY, FROM_ENV]
stacks:
  sts:
    env: {API_KEY: "key-from-stack", STS_AUTH_TOKEN: "auth-from-stack", STS_PORT: "3000"}
steps:
  - up: sts
)";

TEST(Redactor, RunRedactorTakesValuesFromEnvStacksAndEnvironment) {
  const auto s = dubctl::parse_scenario(kWithSecrets, "scenarios/x.yaml");
  EXPECT_EQ(s.secrets, (std::vector<std::string>{"API_KEY", "FROM_ENV"}));
  const EnvMap env = {{"CLI_SECRET", "cli-value"}, {"NAMED", "named-by-option"}, {"PLAIN", "plain-value"}};
  const EnvMap process = {{"FROM_ENV", "process-value"}, {"HOME", "/home/user"}};
  const auto r = dubctl::run_redactor({s}, env, {"NAMED"}, process);
  EXPECT_EQ(r.apply("key-from-stack auth-from-stack cli-value named-by-option process-value"), "*** *** *** *** ***");
  EXPECT_EQ(r.apply("plain-value /home/user 3000"), "plain-value /home/user 3000");
}

TEST(Redactor, ProcessEnvironmentIsRead) {
  ::setenv("DUBCTL_REDACT_TEST_PASSWORD", "from-the-process", 1);
  const auto env = dubctl::process_environment();
  ::unsetenv("DUBCTL_REDACT_TEST_PASSWORD");
  ASSERT_TRUE(env.contains("DUBCTL_REDACT_TEST_PASSWORD"));
  EXPECT_EQ(env.at("DUBCTL_REDACT_TEST_PASSWORD"), "from-the-process");
}

TEST(ScenarioSecrets, BadNameAndMisspeltKeyAreRefused) {
  expect_rejected(R"(name: a
description: b
secrets: [API_KEY, "not a name"]
steps:
  - up: sts
stacks: {sts: {}}
)",
                  3, "secrets[1]: 'not a name' is not a variable name");
  expect_rejected(R"(name: a
description: b
secret: [API_KEY]
stacks: {sts: {}}
steps:
  - up: sts
)",
                  3, "secret: unknown key; did you mean secrets?");
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class RedactedFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dubctl-redact-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    redactor_.add_value(kSecret);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static constexpr const char* kSecret = "s3cr3t&<token>";  // escaping changes it: both forms masked
  fs::path dir_;
  Redactor redactor_;
};

TEST_F(RedactedFiles, JUnitNeverHoldsTheSecret) {
  const std::string secret = kSecret;
  std::vector<dubctl::TestCase> cases(2);
  cases[0].name = "ok";
  cases[0].properties = {{"token", secret}};
  cases[0].system_out = "  ok up sts: token " + secret + "\n";
  cases[1].name = "failed";
  cases[1].failure = "connect with " + secret + " refused:\n  - wrong token " + secret;
  cases[1].system_out = "--- sts stack ---\nauth " + secret + "\n";
  const auto file = dir_ / "junit.xml";
  dubctl::write_junit(file, {"dubctl", "", "", {}}, cases, redactor_);
  const auto xml = read_all(file);
  EXPECT_EQ(xml.find(secret), std::string::npos) << xml;
  EXPECT_EQ(xml.find(dubctl::xml_escape(secret)), std::string::npos) << xml;
  EXPECT_EQ(xml.find("s3cr3t"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(<failure message="connect with *** refused: wrong token ***">)"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(<property name="token" value="***"/>)"), std::string::npos) << xml;
}

TEST_F(RedactedFiles, ReportNeverHoldsTheSecret) {
  const std::string secret = kSecret;
  dubctl::report::RunReport run;
  dubctl::report::ScenarioReport s;
  s.name = "failed";
  s.failure = "auth with " + secret + " refused";
  s.properties = {{"token", secret}};
  s.notes = {"note " + secret};
  run.scenarios = {s};
  const auto file = dir_ / "report.html";
  dubctl::report::write_html(file, run, redactor_);
  const auto html = read_all(file);
  EXPECT_EQ(html.find("s3cr3t"), std::string::npos);
  EXPECT_NE(html.find("auth with *** refused"), std::string::npos);
  // Without the redactor the page does hold it (so the check above can fail).
  EXPECT_NE(dubctl::report::render_html(run).find("s3cr3t"), std::string::npos);
}

}  // namespace
