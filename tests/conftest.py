# The analyst corpus (tests/corpus) is data for tests/test_analyst_corpus.py, not tests.
collect_ignore = ["corpus"]

import long_runs
import pytest


def pytest_addoption(parser):
    long_runs.add_options(parser)
    parser.addoption(
        "--save-screenshots", action="store_true", help="test_browser.py replaces docs/*.png with its screenshots"
    )


def pytest_configure(config):
    long_runs.configure(config)


# The plugin is imported inside the fixtures, not here: importing it before pytest has collected
# the test modules makes datasette register its hooks before datasette-agent's hookspecs exist.


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    """One runtime per test module, with a module cache of its own."""
    from datasette_agent_micropython.runtime import Runtime

    return Runtime(cache_dir=tmp_path_factory.mktemp("module-cache"))


@pytest.fixture(scope="module")
def session(runtime):
    """A roomy session shared by a test module's differential tests."""
    from guest_oracle import new_session

    session = new_session(runtime)
    yield session
    session.close()
