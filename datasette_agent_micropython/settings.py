"""All of the plugin's configuration: public names, settings with their defaults and ranges, parsing.

This is the bottom layer: it imports nothing else from the package. Every setting is declared
once, as a `Number` (or `SESSIONS_DATABASE`), and the dataclasses built from `datasette.yaml`
(`Limits`, `Retention`, `Settings`) take their defaults from those declarations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from datasette.utils import StartupError

PLUGIN_NAME = "datasette-agent-micropython"
TOOL_NAME = "execute_micropython"
# Permission actions: who may run code with the tool, and who may use the admin page.
ACTION = "execute-micropython"
ADMIN_ACTION = "micropython-admin"

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# Static data, the shadow stack (773 KiB of the artifact's layout, see artifacts/artifact.json),
# argv and malloc slack sit below MicroPython's heap.
HEAP_RESERVE_BYTES = 1152 * KIB
# The bootstrap needs about 96 KiB of heap to start, and the CPython helpers (loaded before the
# first snippet) about 45 KiB more.
MIN_HEAP_BYTES = 256 * KIB

# A numeric setting written as a string is parsed only up to this length (YAML 1.1 reads `1e9`
# as the string "1e9"; nothing that long is a number anyone means).
MAX_NUMBER_TEXT = 64
# An error message shows this much of the value it refuses.
MAX_SHOWN_VALUE_CHARS = 80


class LimitError(ValueError):
    """A value out of range, from code that builds `Limits`, `Retention` or `Settings`. The message names the setting."""


class ConfigError(StartupError, ValueError):
    """A bad plugin setting. The message names it and says what is accepted.

    A StartupError, so that `datasette serve` ends with this one sentence rather than a traceback.
    """


def check_number(name: str, value: Any, minimum: float, maximum: float, kind: type) -> None:
    """Raise LimitError, naming the setting and its range, unless `value` is a `kind` in range."""
    ok_type = isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
    if not ok_type or not (minimum <= value <= maximum) or value != value:
        raise LimitError(out_of_range(name, value, minimum, maximum, kind))


def out_of_range(name: str, value: Any, minimum: float, maximum: float, kind: type) -> str:
    shown = repr(value)
    if len(shown) > MAX_SHOWN_VALUE_CHARS:
        shown = shown[: MAX_SHOWN_VALUE_CHARS - 3] + "..."
    return (
        f"{name} must be {'a number' if kind is float else 'an integer'} from {minimum:,} to {maximum:,}, got {shown}"
    )


@dataclass(frozen=True)
class Number:
    """A numeric setting: its name in datasette.yaml, its default, its range and its kind (int or float).

    A default of None makes the setting optional: null (or leaving it out) means "no limit".
    """

    name: str
    default: int | float | None
    minimum: int | float
    maximum: int | float
    kind: type

    def check(self, value: Any) -> None:
        """For values from code: exactly a `kind` in range, or LimitError."""
        check_number(self.name, value, self.minimum, self.maximum, self.kind)

    def read(self, config: dict[str, Any]) -> Any:
        """This setting's value in a plugin config, or its default: ConfigError unless it is in range.

        Besides numbers it accepts numeric strings (YAML 1.1 reads `1e9` as "1e9") and, for an
        integer setting, whole floats (JSON's 1e9): "1e9" and 1e9 both mean 1000000000.
        """
        value = config.get(self.name, self.default)
        if value is None and self.default is None:
            return None
        number = self._parse(value)
        if number is None:
            raise ConfigError(f"{PLUGIN_NAME}: {out_of_range(self.name, value, self.minimum, self.maximum, self.kind)}")
        return number

    def _parse(self, value: Any) -> int | float | None:
        """`value` as a `kind` in range, or None when it is not one (bool, nan, inf, text, a fraction...)."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return None
        if isinstance(value, str):
            if len(value) > MAX_NUMBER_TEXT:
                return None
            try:
                value = Decimal(value)
            except InvalidOperation:
                return None
        if self.kind is float:
            try:
                number = float(value)
            except OverflowError:  # an int past float's range
                return None
            return number if math.isfinite(number) and self.minimum <= number <= self.maximum else None
        # Exact, and the range first, so that int() never meets a huge exponent.
        exact = Decimal(value)
        if not exact.is_finite() or not (self.minimum <= exact <= self.maximum) or exact != exact.to_integral_value():
            return None
        return int(exact)


# The settings, each declared once.
MEMORY_BYTES = Number("memory_bytes", 16 * MIB, MIN_HEAP_BYTES + HEAP_RESERVE_BYTES, 4096 * MIB, int)
# No default: no fuel limit, and no fuel metering (the wall-clock limit stops long work).
FUEL = Number("fuel", None, 1_000, 10**15, int)
WALL_CLOCK_TIMEOUT_SECONDS = Number("wall_clock_timeout_seconds", 5.0, 0.01, 24 * 3600.0, float)
MAX_OUTPUT_CHARS = Number("max_output_chars", 10_000, 0, 100 * MIB, int)
MAX_SESSIONS = Number("max_sessions", 16, 1, 10_000, int)
MAX_SESSION_AGE_DAYS = Number("max_session_age_days", 30.0, 0.001, 36_500.0, float)
MAX_TOTAL_SESSION_BYTES = Number("max_total_session_bytes", GIB, MIB, 2**50, int)
NUMBERS = (
    MEMORY_BYTES,
    FUEL,
    WALL_CLOCK_TIMEOUT_SECONDS,
    MAX_OUTPUT_CHARS,
    MAX_SESSIONS,
    MAX_SESSION_AGE_DAYS,
    MAX_TOTAL_SESSION_BYTES,
)
# None (the default): Datasette's internal database.
SESSIONS_DATABASE = "sessions_database"
SETTING_NAMES = tuple(sorted([*(number.name for number in NUMBERS), SESSIONS_DATABASE]))


@dataclass(frozen=True)
class Limits:
    """What one session may use. Fuel and time are per snippet; memory is for the session."""

    memory_bytes: int = MEMORY_BYTES.default
    fuel: int | None = FUEL.default
    timeout_seconds: float = WALL_CLOCK_TIMEOUT_SECONDS.default
    max_output_chars: int = MAX_OUTPUT_CHARS.default
    # Not a setting: tests and benchmarks use it to size the heap apart from the memory limit.
    heap_bytes: int | None = None

    def __post_init__(self) -> None:
        MEMORY_BYTES.check(self.memory_bytes)
        if self.fuel is not None:
            FUEL.check(self.fuel)
        WALL_CLOCK_TIMEOUT_SECONDS.check(self.timeout_seconds)
        MAX_OUTPUT_CHARS.check(self.max_output_chars)
        if self.heap_bytes is not None:
            check_number("heap_bytes", self.heap_bytes, MIN_HEAP_BYTES, self.memory_bytes - HEAP_RESERVE_BYTES, int)

    @property
    def heap(self) -> int:
        """MicroPython's heap: what the memory limit leaves after the reserve, in whole KiB."""
        if self.heap_bytes is not None:
            return self.heap_bytes // KIB * KIB
        return (self.memory_bytes - HEAP_RESERVE_BYTES) // KIB * KIB


@dataclass(frozen=True)
class Retention:
    """How long stored images are kept, and how many bytes of them in all."""

    max_age_days: float = MAX_SESSION_AGE_DAYS.default
    max_total_bytes: int = MAX_TOTAL_SESSION_BYTES.default

    def __post_init__(self) -> None:
        MAX_SESSION_AGE_DAYS.check(self.max_age_days)
        MAX_TOTAL_SESSION_BYTES.check(self.max_total_bytes)


@dataclass(frozen=True)
class Settings:
    max_sessions: int = MAX_SESSIONS.default
    limits: Limits = field(default_factory=Limits)
    # None: Datasette's internal database.
    sessions_database: str | None = None
    retention: Retention = field(default_factory=Retention)

    def __post_init__(self) -> None:
        MAX_SESSIONS.check(self.max_sessions)

    @classmethod
    def from_plugin_config(cls, config: Any) -> Settings:
        """The settings under `plugins: datasette-agent-micropython:`; ConfigError names a bad one."""
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise ConfigError(
                f"{PLUGIN_NAME}: its settings must be a mapping of setting names to values, got {config!r}"
            )
        unknown = sorted(str(name) for name in set(config) - set(SETTING_NAMES))
        if unknown:
            raise ConfigError(
                f"{PLUGIN_NAME}: unknown setting {', '.join(unknown)} (known settings: {', '.join(SETTING_NAMES)})"
            )
        sessions_database = config.get(SESSIONS_DATABASE)
        if sessions_database is not None and (not isinstance(sessions_database, str) or not sessions_database):
            raise ConfigError(
                f"{PLUGIN_NAME}: {SESSIONS_DATABASE} must be the name of a database, got {sessions_database!r}"
            )
        return cls(
            max_sessions=MAX_SESSIONS.read(config),
            limits=Limits(
                memory_bytes=MEMORY_BYTES.read(config),
                fuel=FUEL.read(config),
                timeout_seconds=WALL_CLOCK_TIMEOUT_SECONDS.read(config),
                max_output_chars=MAX_OUTPUT_CHARS.read(config),
            ),
            sessions_database=sessions_database,
            retention=Retention(
                max_age_days=MAX_SESSION_AGE_DAYS.read(config),
                max_total_bytes=MAX_TOTAL_SESSION_BYTES.read(config),
            ),
        )
