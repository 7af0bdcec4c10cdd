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
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name == "firefox":
        # Debian's Firefox ESR, driven over WebDriver BiDi (Playwright's own Firefox build is not
        # installable here); Playwright 1.64 is the last that speaks BiDi to it (platform.md).
        return {**browser_type_launch_args, "channel": "moz-firefox",
                "executable_path": os.environ.get("FIREFOX", "/usr/lib/firefox-esr/firefox-esr")}
    return {**browser_type_launch_args, **_shared_memory_in_ram(),
            "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser(launch_browser, browser_name):
    """pytest-playwright's shared browser; a Chromium's renderers' deaths recorded."""
    browser = launch_browser()
    if browser_name == "chromium":
        WATCH.attach(browser)
    yield browser
    browser.close()


def pytest_collection_modifyitems(items):
    """``@pytest.mark.chromium_only("why")``: the test needs Chromium's DevTools protocol (or an
    event only Chromium gives Playwright); in other engines it shows as skipped, with the why."""
    for item in items:
        marker = item.get_closest_marker("chromium_only")
        engine = getattr(item, "callspec", None) and item.callspec.params.get("browser_name")
        if marker is not None and engine not in (None, "chromium"):
            item.add_marker(pytest.mark.skip(reason=f"Chromium only: {marker.args[0]}"))


def pytest_runtest_setup(item):
    WATCH.test = item.nodeid


ENGINE_TIMES: dict[str, list] = {}  # engine -> [seconds, outcomes by name]


def pytest_runtest_logreport(report):
    params = report.nodeid.rsplit("[", 1)[-1] if report.nodeid.endswith("]") else ""
    engine = next((e for e in ("chromium", "firefox") if params.startswith(e)), None)
    if engine is None and "/e2e/test_webkit.py" in report.nodeid:
        engine = "webkit"
    if engine is None and "/unit/" not in report.nodeid:
        return
    engine = engine or "unit"
    seconds, outcomes = ENGINE_TIMES.setdefault(engine, [0.0, {}])
    ENGINE_TIMES[engine][0] = seconds + report.duration
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    if ENGINE_TIMES:
        terminalreporter.section("Per engine")
        for engine, (seconds, outcomes) in sorted(ENGINE_TIMES.items()):
            said = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
            terminalreporter.write_line(f"{engine}: {said} in {seconds / 60:.1f} min")
    if WATCH.crashes:
        terminalreporter.section("Chromium renderer crashes")
        for line in WATCH.crashes:
            terminalreporter.write_line(line)
