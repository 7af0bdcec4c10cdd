import os
import shutil

import pytest

from tests.crash_watch import CrashWatch
from tests.e2e.webkit import WebKitBrowser, virtual_screen

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
def browser(request, browser_name):
    """pytest-playwright's shared browser; a Chromium's renderers' deaths recorded. WebKit comes
    through WebDriver instead (tests/e2e/webkit.py), for the tests marked ``bridge``."""
    if browser_name == "webkit":
        with virtual_screen() as display:
            yield WebKitBrowser(display)
        return
    browser = request.getfixturevalue("launch_browser")()
    if browser_name == "chromium":
        WATCH.attach(browser)
    yield browser
    browser.close()


NOT_IN_WEBKIT: list[str] = []  # test IDs left out of the WebKit run (said in the summary)


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.chromium_only("why")``: the test needs Chromium's DevTools protocol (or an
    event only Chromium gives Playwright); in other engines it shows as skipped, with the why.
    WebKit runs the tests marked ``bridge``: those that meet the vault through its bridge and
    plain page JS, which WebDriver can do; the rest drive the page with Playwright's locators,
    routes, clock or contexts, which this WebKit (through Selenium) has not."""
    kept = []
    for item in items:
        marker = item.get_closest_marker("chromium_only")
        engine = getattr(item, "callspec", None) and item.callspec.params.get("browser_name")
        if engine == "webkit" and item.get_closest_marker("bridge") is None:
            NOT_IN_WEBKIT.append(item.nodeid)
            continue
        if marker is not None and engine not in (None, "chromium"):
            item.add_marker(pytest.mark.skip(reason=f"Chromium only: {marker.args[0]}"))
        kept.append(item)
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in set(NOT_IN_WEBKIT)])
        items[:] = kept


def pytest_runtest_setup(item):
    WATCH.test = item.nodeid


ENGINE_TIMES: dict[str, list] = {}  # engine -> [seconds, outcomes by name]


def pytest_runtest_logreport(report):
    params = report.nodeid.rsplit("[", 1)[-1] if report.nodeid.endswith("]") else ""
    engine = next((e for e in ("chromium", "firefox", "webkit") if params.startswith(e)), None)
    if engine is None and "/e2e/test_webkit" in report.nodeid:
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
    if NOT_IN_WEBKIT:
        terminalreporter.write_line(f"webkit: {len(NOT_IN_WEBKIT)} tests that drive the page's UI through Playwright "
                                    "not run (deselected); see tests/conftest.py")
    if WATCH.crashes:
        terminalreporter.section("Chromium renderer crashes")
        for line in WATCH.crashes:
            terminalreporter.write_line(line)
