"""Fault injection is test-only: STS_FAULT_DELAY_MS is off by default and refused at startup unless
STS_FAULTS_ENABLED=1 is set too (the media service's MEDIA_FAULTS_ENABLED works the same way)."""

import pytest

from sts_service.config import Config, ConfigError


def test_no_fault_by_default():
    assert Config.from_env({}).fault_delay_ms == 0


@pytest.mark.parametrize("enabled", [None, "0", "false"])
def test_a_fault_delay_without_the_enabling_switch_is_refused(enabled):
    env = {"STS_FAULT_DELAY_MS": "20000"}
    if enabled is not None:
        env["STS_FAULTS_ENABLED"] = enabled
    with pytest.raises(ConfigError, match=r"STS_FAULT_DELAY_MS=20000: .*refused unless STS_FAULTS_ENABLED=1"):
        Config.from_env(env)


def test_an_enabled_fault_delay_is_read():
    assert Config.from_env({"STS_FAULT_DELAY_MS": "20000", "STS_FAULTS_ENABLED": "1"}).fault_delay_ms == 20000


def test_zero_delay_needs_no_switch_and_a_bad_switch_is_named():
    assert Config.from_env({"STS_FAULT_DELAY_MS": "0"}).fault_delay_ms == 0
    with pytest.raises(ConfigError, match="STS_FAULTS_ENABLED"):
        Config.from_env({"STS_FAULT_DELAY_MS": "5", "STS_FAULTS_ENABLED": "perhaps"})
