import pytest

from tests.e2e.server import Server
from tests.e2e.vault_page import VaultPage, page_errors
from tests.e2e.webkit import pull_errors


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def server():
    srv = Server()
    yield srv
    srv.stop()


@pytest.fixture
def vault(page, server) -> VaultPage:
    errors = page_errors(page)
    vp = VaultPage(page, server.url)
    vp.open()
    yield vp
    pull_errors(page)
    assert errors == [], f"uncaught errors in the page: {errors}"
