import os
import shutil

import pytest

from tests.crash_watch import CrashWatch

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

WATCH = CrashWatch()


def _shared_memory_in_ram() -> dict:
    """Playwright starts Chromium with --disable-dev-shm-usage (for containers' 64 MB /dev/shm),
    which puts renderers' shared memory in files under /tmp: on a disk that fills, a renderer
    writing to one dies of SIGBUS. Where /dev/shm is a roomy RAM disk, use it."""
    try:
        roomy = shutil.disk_usage("/dev/shm").free >= 2 << 30
    except OSError:
        roomy = False
    return {"ignore_default_args": ["--disable-dev-shm-usage"]} if roomy else {}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, **_shared_memory_in_ram(),
            "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser(launch_browser):
    """pytest-playwright's shared browser, its renderers' deaths recorded."""
    browser = launch_browser()
    WATCH.attach(browser)
    yield browser
    browser.close()


def pytest_runtest_setup(item):
    WATCH.test = item.nodeid


def pytest_terminal_summary(terminalreporter):
    if WATCH.crashes:
        terminalreporter.section("Chromium renderer crashes")
        for line in WATCH.crashes:
            terminalreporter.write_line(line)
