"""The plugin's settings, read from `datasette.yaml` and checked before anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .runtime import LimitError, Limits

PLUGIN_NAME = "datasette-agent-micropython"

# Setting name -> the Limits field it feeds.
LIMIT_SETTINGS = {
    "memory_bytes": "memory_bytes",
    "fuel": "fuel",
    "wall_clock_timeout_seconds": "timeout_seconds",
    "max_output_chars": "max_output_chars",
}
OTHER_SETTINGS = ("max_sessions",)


class ConfigError(ValueError):
    """A bad plugin setting. The message names it and says what is accepted."""


@dataclass(frozen=True)
class Settings:
    max_sessions: int = 16
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_plugin_config(cls, config: dict[str, Any] | None) -> "Settings":
        config = dict(config or {})
        unknown = sorted(set(config) - set(LIMIT_SETTINGS) - set(OTHER_SETTINGS))
        if unknown:
            known = ", ".join(sorted([*LIMIT_SETTINGS, *OTHER_SETTINGS]))
            raise ConfigError(f"{PLUGIN_NAME}: unknown setting {', '.join(unknown)} (known settings: {known})")
        max_sessions = config.get("max_sessions", 16)
        if not isinstance(max_sessions, int) or isinstance(max_sessions, bool) or not 1 <= max_sessions <= 10_000:
            raise ConfigError(f"{PLUGIN_NAME}: max_sessions must be an integer from 1 to 10,000, got {max_sessions!r}")
        try:
            limits = Limits(**{LIMIT_SETTINGS[name]: value for name, value in config.items() if name in LIMIT_SETTINGS})
        except LimitError as error:
            raise ConfigError(f"{PLUGIN_NAME}: {error}") from None
        return cls(max_sessions=max_sessions, limits=limits)
