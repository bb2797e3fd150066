"""What a user installs: the wheel carries what the plugin needs at run time, and the README's
install lines install this checkout as a Datasette plugin."""

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a fresh checkout does not have: building in a copy without them keeps this tree's build/ out of
# the package (setuptools packs whatever build/lib holds, stale files included) and the tree clean.
NOT_IN_A_CHECKOUT = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "node_modules"
)


def fresh_checkout(folder: Path) -> Path:
    checkout = folder / "datasette-agent-micropython"
    shutil.copytree(ROOT, checkout, ignore=NOT_IN_A_CHECKOUT)
    return checkout


def test_the_wheel_ships_the_migrations_the_artifact_and_the_guest(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path),
            str(fresh_checkout(tmp_path)),
        ],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = "datasette_agent_micropython/"
    for expected in [
        "migrations/001_create_micropython_sessions.sql",
        "migrations/002_cover_retention_sums.sql",
        "artifacts/micropython-wasi-gcsafe.wasm",
        "artifacts/artifact.json",
        "artifacts/LICENSES.md",
        "guest/bootstrap.py",
        "templates/micropython_admin.html",
        "templates/micropython_admin_style.html",
        "templates/micropython_reset.html",
    ]:
        assert package + expected in names


def readme_install_lines() -> list[str]:
    """The install commands of the README's Install section, as a user would type them in the checkout."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Install\n") :]
    block = section[
        section.index("```bash\n") + len("```bash\n") : section.index("```\n", section.index("```bash\n") + 1)
    ]
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    return [command for command in commands if command.startswith(("pip install", "datasette install"))]


def fresh_environment(folder: Path) -> Path:
    """A new virtual environment that has this project's dependencies but not the project itself.

    Its only link to the test environment is a .pth file naming a folder of links to every entry of
    the test environment's site-packages except this project's, so installing into it needs no
    download but the build backend, and nothing there can be taken for what the install put in.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True, timeout=120)
    python = folder / "venv" / "bin" / "python"
    dependencies = folder / "dependencies"
    dependencies.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "datasette_agent_micropython" not in entry.name:
            (dependencies / entry.name).symlink_to(entry)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    Path(purelib, "project_dependencies.pth").write_text(f"{dependencies}\n")
    return python


def test_the_readme_install_lines_install_this_checkout_as_a_datasette_plugin(tmp_path):
    """`pip install .` and `datasette install .` in a fresh checkout, each into a fresh environment, give
    Datasette this version of the plugin (the package index's name would give 0.1a0), and it runs code."""
    lines = readme_install_lines()
    assert lines == ["pip install .", "datasette install ."]
    [version] = re.findall(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    checkout = fresh_checkout(tmp_path)
    for number, line in enumerate(lines):
        python = fresh_environment(tmp_path / f"environment-{number}")
        program, *arguments = line.split()
        subprocess.run(
            [str(python), "-m", program, *arguments], cwd=checkout, check=True, timeout=300, capture_output=True
        )

        plugins = subprocess.run(
            [str(python), "-m", "datasette", "plugins"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        [plugin] = [plugin for plugin in json.loads(plugins.stdout) if plugin["name"] == "datasette-agent-micropython"]
        assert plugin["version"] == version, line
        installed = subprocess.run(
            [str(python), "-c", "import datasette_agent_micropython as package; print(package.__file__)"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.strip()
        package = Path(installed).parent
        assert package.is_relative_to(tmp_path / f"environment-{number}" / "venv"), (line, package)
        for name in ("admin.py", "templates/micropython_admin.html", "artifacts/micropython-wasi-gcsafe.wasm"):
            assert (package / name).read_bytes() == (ROOT / "datasette_agent_micropython" / name).read_bytes(), name

    # The README's next line, with the last environment: the model's call runs in the installed sandbox.
    data = tmp_path / "data.db"
    sqlite3.connect(data).close()
    message = {"prompt": "hi", "tool_calls": [{"name": "execute_micropython", "arguments": {"python": "print(6 * 7)"}}]}
    chat = subprocess.run(
        [str(python), "-m", "datasette", "agent", "chat", str(data), "-m", "echo", "--root", "-p", json.dumps(message)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert '\\"stdout\\": \\"42\\\\n\\"' in chat.stdout, chat.stdout[-2000:]
