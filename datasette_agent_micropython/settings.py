"""The plugin's settings, read from `datasette.yaml` and checked before anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .runtime import LimitError, Limits, check_number
from .store import Retention

PLUGIN_NAME = "datasette-agent-micropython"
TOOL_NAME = "execute_micropython"
# The permission to use the tool, and the one to see and reset sessions at /-/micropython.
ACTION = "execute-micropython"
ADMIN_ACTION = "micropython-admin"

# Setting name -> the Limits field it feeds.
LIMIT_SETTINGS = {
    "memory_bytes": "memory_bytes",
    "fuel": "fuel",
    "wall_clock_timeout_seconds": "timeout_seconds",
    "max_output_chars": "max_output_chars",
}
OTHER_SETTINGS = ("max_sessions", "sessions_database", "max_session_age_days", "max_total_session_bytes")


class ConfigError(ValueError):
    """A bad plugin setting. The message names it and says what is accepted."""


@dataclass(frozen=True)
class Settings:
    max_sessions: int = 16
    limits: Limits = field(default_factory=Limits)
    # None: Datasette's internal database.
    sessions_database: str | None = None
    retention: Retention = field(default_factory=Retention)

    @classmethod
    def from_plugin_config(cls, config: dict[str, Any] | None) -> "Settings":
        config = dict(config or {})
        unknown = sorted(set(config) - set(LIMIT_SETTINGS) - set(OTHER_SETTINGS))
        if unknown:
            known = ", ".join(sorted([*LIMIT_SETTINGS, *OTHER_SETTINGS]))
            raise ConfigError(f"{PLUGIN_NAME}: unknown setting {', '.join(unknown)} (known settings: {known})")
        max_sessions = _number(config, "max_sessions", 16, 1, 10_000, int)
        retention = Retention(
            max_age_days=_number(config, "max_session_age_days", 30.0, 0.001, 36_500.0, float),
            max_total_bytes=_number(config, "max_total_session_bytes", 1024**3, 1024 * 1024, 2**50, int),
        )
        sessions_database = config.get("sessions_database")
        if sessions_database is not None and (not isinstance(sessions_database, str) or not sessions_database):
            raise ConfigError(f"{PLUGIN_NAME}: sessions_database must be the name of a database, got {sessions_database!r}")
        try:
            limits = Limits(**{LIMIT_SETTINGS[name]: value for name, value in config.items() if name in LIMIT_SETTINGS})
        except LimitError as error:
            raise ConfigError(f"{PLUGIN_NAME}: {error}") from None
        return cls(max_sessions=max_sessions, limits=limits, sessions_database=sessions_database, retention=retention)


def _number(config: dict[str, Any], name: str, default: float, minimum: float, maximum: float, kind: type) -> Any:
    value = config.get(name, default)
    try:
        check_number(name, value, minimum, maximum, kind)
    except LimitError as error:
        raise ConfigError(f"{PLUGIN_NAME}: {error}") from None
    return value
