"""How big the suites that have a long mode run, from pytest's command line.

`conftest.py` registers the options and calls `configure` in `pytest_configure`, before any test
module is imported, so a module can size itself when it is imported (some sizes shape hypothesis
strategies and module-level plans). Outside pytest (a test file run as a script) the sizes are the
defaults.

    .venv/bin/pytest                      # the default sizes (CI)
    .venv/bin/pytest --long               # every suite marked `long` at its long size
    .venv/bin/pytest -m long --long       # only those suites, at their long size
    .venv/bin/pytest tests/test_idle.py --idle-seconds 65   # one size by hand
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (default, long) for each size; a size given on the command line wins over both.
SIZES = {
    "idle_seconds": (12.0, 65.0),
    "image_fuzz_cases": (150, 3000),
    "snapshot_diff_snippets": (500, 10_000),
    # None: a tenth of snapshot_diff_snippets, at least 60.
    "snapshot_diff_cross_snippets": (None, None),
    "fault_rounds": (3, 10),
}
SEEDS = {"image_fuzz_seed": 10, "fault_seed": 7, "load_seed": 1}
HELP = {
    "idle_seconds": "how long test_idle.py leaves its sessions idle",
    "image_fuzz_cases": "mutated images test_image_fuzz.py tries",
    "snapshot_diff_snippets": "snippets test_snapshot_differential.py runs in one process",
    "snapshot_diff_cross_snippets": "snippets it runs across processes (default: a tenth of the above, at least 60)",
    "fault_rounds": "kill -9 rounds in test_faults.py",
    "image_fuzz_seed": "seed of the image fuzzer",
    "fault_seed": "seed of the kill timing in test_faults.py",
    "load_seed": "seed of test_load.py's call order",
}


@dataclass(frozen=True)
class Sizes:
    # --long: also the 1,800-program GC stress run and the 200-conversation load run.
    long: bool = False
    idle_seconds: float = SIZES["idle_seconds"][0]
    image_fuzz_cases: int = SIZES["image_fuzz_cases"][0]
    snapshot_diff_snippets: int = SIZES["snapshot_diff_snippets"][0]
    snapshot_diff_cross_snippets: int | None = None
    fault_rounds: int = SIZES["fault_rounds"][0]
    image_fuzz_seed: int = SEEDS["image_fuzz_seed"]
    fault_seed: int = SEEDS["fault_seed"]
    load_seed: int = SEEDS["load_seed"]

    @property
    def cross_snippets(self) -> int:
        if self.snapshot_diff_cross_snippets is not None:
            return self.snapshot_diff_cross_snippets
        return max(self.snapshot_diff_snippets // 10, 60)


_sizes = Sizes()


def add_options(parser: Any) -> None:
    group = parser.getgroup("long runs", "sizes of the suites marked `long`")
    group.addoption("--long", action="store_true", help="run every suite marked `long` at its long size")
    for name, (default, long) in SIZES.items():
        sized = f" (default {default}, {long} with --long)" if default is not None else ""
        group.addoption("--" + name.replace("_", "-"), type=type(default or 0), help=HELP[name] + sized)
    for name, default in SEEDS.items():
        group.addoption(
            "--" + name.replace("_", "-"), type=int, default=default, help=f"{HELP[name]} (default {default})"
        )


def configure(config: Any) -> None:
    global _sizes
    long = bool(config.getoption("long"))
    chosen: dict[str, Any] = {"long": long}
    for name, (default, long_size) in SIZES.items():
        given = config.getoption(name)
        chosen[name] = given if given is not None else (long_size if long else default)
    for name in SEEDS:
        chosen[name] = config.getoption(name)
    _sizes = Sizes(**chosen)


def sizes() -> Sizes:
    """The sizes of this run."""
    return _sizes
