"""The plugin's settings: how datasette.yaml's values are read, and how a bad one is reported.

Values go through `Settings.from_plugin_config`, through a real Datasette loading the YAML the way
`datasette serve -c` does, and through real `datasette serve` and `datasette micropython`
processes. Nothing is mocked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from datasette.app import Datasette
from datasette.utils import parse_metadata
from hypothesis import given
from hypothesis import strategies as st

from datasette_agent_micropython.settings import (
    FUEL,
    MAX_SESSIONS,
    PLUGIN_NAME,
    TOOL_NAME,
    ConfigError,
    Limits,
    Retention,
    Settings,
)

SUBPROCESS_TIMEOUT = 90


def read(**config) -> Settings:
    return Settings.from_plugin_config(config)


# -- numbers, as YAML and JSON deliver them -----------------------------------------------------


@pytest.mark.parametrize(
    "config, expected",
    [
        ({"fuel": "1e9"}, ("limits", "fuel", 1_000_000_000)),
        ({"fuel": "1E+9"}, ("limits", "fuel", 1_000_000_000)),
        ({"fuel": "2.5e6"}, ("limits", "fuel", 2_500_000)),
        ({"fuel": "1_000_000"}, ("limits", "fuel", 1_000_000)),
        ({"fuel": 1e9}, ("limits", "fuel", 1_000_000_000)),  # JSON's 1e9 is a float
        ({"fuel": " 5000 "}, ("limits", "fuel", 5000)),
        ({"fuel": None}, ("limits", "fuel", None)),
        ({"memory_bytes": "3.2e7"}, ("limits", "memory_bytes", 32_000_000)),
        ({"max_output_chars": "0"}, ("limits", "max_output_chars", 0)),
        ({"wall_clock_timeout_seconds": "2.5e0"}, ("limits", "timeout_seconds", 2.5)),
        ({"wall_clock_timeout_seconds": "1e-2"}, ("limits", "timeout_seconds", 0.01)),
        ({"wall_clock_timeout_seconds": 3}, ("limits", "timeout_seconds", 3.0)),
        ({"max_sessions": "4"}, ("max_sessions", None, 4)),
        ({"max_session_age_days": "1e1"}, ("retention", "max_age_days", 10.0)),
        ({"max_total_session_bytes": "2e9"}, ("retention", "max_total_bytes", 2_000_000_000)),
    ],
)
def test_numbers_written_as_text_or_whole_floats_are_read_as_numbers(config, expected):
    part, name, value = expected
    settings = read(**config)
    got = getattr(settings, part) if name is None else getattr(getattr(settings, part), name)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"fuel": "nan"}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got 'nan'"),
        ({"fuel": "inf"}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got 'inf'"),
        ({"fuel": "-Infinity"}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got '-Infinity'"),
        ({"fuel": ""}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got ''"),
        ({"fuel": "1e400"}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got '1e400'"),
        ({"fuel": "1e999999999999"}, "got '1e999999999999'"),
        ({"fuel": "1000.5"}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got '1000.5'"),
        ({"fuel": 1500.5}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got 1500.5"),
        ({"fuel": True}, "fuel must be an integer from 1,000 to 1,000,000,000,000,000, got True"),
        ({"fuel": "lots"}, "fuel must be an integer from 1,000 to"),
        ({"fuel": "0x1000"}, "fuel must be an integer from 1,000 to"),
        ({"fuel": "1" * 100}, "fuel must be an integer from 1,000 to"),
        ({"fuel": [5000]}, "fuel must be an integer from 1,000 to"),
        ({"max_sessions": 0}, "max_sessions must be an integer from 1 to 10,000, got 0"),
        ({"max_sessions": None}, "max_sessions must be an integer from 1 to 10,000, got None"),
        ({"max_sessions": False}, "max_sessions must be an integer from 1 to 10,000, got False"),
        ({"memory_bytes": -1}, "memory_bytes must be an integer from"),
        ({"wall_clock_timeout_seconds": 0}, "wall_clock_timeout_seconds must be a number from 0.01 to 86,400.0, got 0"),
        ({"wall_clock_timeout_seconds": "1e400"}, "wall_clock_timeout_seconds must be a number from 0.01"),
        ({"wall_clock_timeout_seconds": float("nan")}, "wall_clock_timeout_seconds must be a number from 0.01"),
        ({"wall_clock_timeout_seconds": 10**400}, "to 86,400.0, got 10000000000"),
        ({"wall_clock_timeout_seconds": "0.00999"}, "wall_clock_timeout_seconds must be a number from 0.01"),
        ({"wall_clock_timeout_seconds": True}, "wall_clock_timeout_seconds must be a number"),
        ({"max_output_chars": -1}, "max_output_chars must be an integer from 0"),
        ({"max_session_age_days": "0"}, "max_session_age_days must be a number from 0.001"),
        ({"max_total_session_bytes": "1e3"}, "max_total_session_bytes must be an integer from 1,048,576"),
        ({"sessions_database": ""}, "sessions_database must be the name of a database, got ''"),
        ({"timeout": 5}, "unknown setting timeout (known settings: fuel, max_output_chars, "),
    ],
)
def test_a_bad_value_is_refused_with_the_setting_and_its_range(config, message):
    with pytest.raises(ConfigError) as error:
        read(**config)
    assert str(error.value).startswith(f"{PLUGIN_NAME}: ")
    assert len(str(error.value)) < 300  # a huge value is cut short
    assert message in str(error.value)


@pytest.mark.parametrize("config", [5, "fuel: 5", ["fuel"]])
def test_settings_that_are_not_a_mapping_are_refused(config):
    with pytest.raises(ConfigError, match="settings must be a mapping"):
        Settings.from_plugin_config(config)


@given(
    digits=st.integers(min_value=-(10**18), max_value=10**18),
    exponent=st.integers(min_value=-20, max_value=20),
)
def test_an_integer_setting_in_exponent_form_is_its_exact_value_or_refused(digits, exponent):
    """fuel: "<digits>e<exponent>" is digits * 10**exponent when that is whole and in range."""
    text = f"{digits}e{exponent}"
    value = Decimal(digits).scaleb(exponent)
    if value == value.to_integral_value() and FUEL.minimum <= value <= FUEL.maximum:
        assert read(fuel=text).limits.fuel == int(value)
    else:
        with pytest.raises(ConfigError, match="fuel must be an integer"):
            read(fuel=text)


def test_defaults_are_the_declared_ones():
    settings = Settings.from_plugin_config(None)
    assert settings == Settings() == read()
    assert settings.max_sessions == MAX_SESSIONS.default == 16
    assert settings.limits == Limits()
    assert settings.retention == Retention()
    assert settings.limits.fuel is None
    assert settings.sessions_database is None


# -- through a real Datasette --------------------------------------------------------------------

YAML_1_1_NUMBERS = f"""\
plugins:
  {PLUGIN_NAME}:
    fuel: 1e5
    wall_clock_timeout_seconds: 2.5e0
    max_total_session_bytes: 2e9
    max_sessions: 1_000
"""


@pytest.mark.asyncio
async def test_yaml_1_1_numbers_in_datasette_yaml_configure_a_real_datasette():
    from datasette_agent.tools import get_agent_tools

    from datasette_agent_micropython.wiring import session_manager

    config = parse_metadata(YAML_1_1_NUMBERS)
    # PyYAML reads YAML 1.1: without a dot, 1e5 is text.
    assert config["plugins"][PLUGIN_NAME]["fuel"] == "1e5"
    datasette = Datasette([], config=config)
    await datasette.invoke_startup()
    try:
        settings = session_manager(datasette).settings
        assert settings.limits.fuel == 100_000
        assert settings.limits.timeout_seconds == 2.5
        assert settings.retention.max_total_bytes == 2_000_000_000
        assert settings.max_sessions == 1000
        [tool] = [tool for tool in await get_agent_tools(datasette) if tool.name == TOOL_NAME]
        assert "2.5 seconds, 100,000 fuel units" in tool.description
        context = SimpleNamespace(conversation_id="fuel")
        result = await tool.fn(
            datasette=datasette, actor={"id": "root"}, context=context, python="while True:\n    pass"
        )
        assert result["ok"] is False
        assert "ran out of fuel: the limit is 100,000 units per call" in result["error"]
    finally:
        await datasette.invoke_shutdown()


def datasette_command() -> list[str]:
    script = Path(sys.executable).with_name("datasette")
    return [str(script)] if script.exists() else [sys.executable, "-m", "datasette"]


def test_yaml_1_1_numbers_reach_the_cli_from_datasette_yaml(tmp_path):
    (tmp_path / "datasette.yaml").write_text(YAML_1_1_NUMBERS)
    completed = subprocess.run(
        [
            *datasette_command(),
            "micropython",
            "run",
            "--config",
            "datasette.yaml",
            "--conversation",
            "c",
            "--json",
            "-c",
            "while True:\n    pass",
        ],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed
    result = json.loads(completed.stdout)
    assert result["error"] == "ran out of fuel: the limit is 100,000 units per call"
    assert result["fuel_used"] == 100_000


@pytest.mark.parametrize(
    "plugin_yaml, sentence",
    [
        (
            "fuel: nan",
            f"Error: {PLUGIN_NAME}: fuel must be an integer from 1,000 to 1,000,000,000,000,000, got 'nan'",
        ),
        (
            "max_sessions: 0",
            f"Error: {PLUGIN_NAME}: max_sessions must be an integer from 1 to 10,000, got 0",
        ),
        (
            "sessions_database: nowhere",
            f"Error: {PLUGIN_NAME}: sessions_database 'nowhere' is not a database this Datasette serves (it serves: _memory)",
        ),
    ],
)
def test_datasette_serve_stops_on_a_bad_setting_with_one_sentence(tmp_path, plugin_yaml, sentence):
    """Not a traceback: exit status 1 and one line on stderr that names the setting and its range.

    A good config would start serving and never exit, so the timeout fails the test then.
    """
    (tmp_path / "datasette.yaml").write_text(f"plugins:\n  {PLUGIN_NAME}:\n    {plugin_yaml}\n")
    completed = subprocess.run(
        [*datasette_command(), "serve", "-c", "datasette.yaml", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed
    assert completed.stderr == sentence + "\n"
    assert completed.stdout == ""
