"""The wheel a user installs carries what the plugin needs at run time."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_the_migrations_the_artifact_and_the_guest(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = "datasette_agent_micropython/"
    for expected in [
        "migrations/001_create_micropython_sessions.sql",
        "artifacts/micropython-wasi-gcsafe.wasm",
        "artifacts/artifact.json",
        "artifacts/LICENSES.md",
        "guest/bootstrap.py",
        "templates/micropython_admin.html",
    ]:
        assert package + expected in names
