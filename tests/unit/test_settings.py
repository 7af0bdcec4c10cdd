import pytest

from app.core.errors import InvalidInputError
from app.core.refs import AppStorage
from app.core.settings import Settings, parse_provider_url
from tests.fakes import FakeKV


def test_provider_url_is_validated_persisted_and_reset():
    kv = FakeKV()
    settings = Settings(AppStorage(kv))
    assert settings.provider_url("http://here") == "http://here"
    assert settings.configure({"providerUrl": " https://p.example/v1/ "}) == {"providerUrl": "https://p.example/v1"}
    assert Settings(AppStorage(kv)).provider_url("http://here") == "https://p.example/v1"
    settings.configure({"providerUrl": ""})
    assert settings.provider_url("http://here") == "http://here"


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://x", "https://user:pw@x", "https://x/?a=1",
                                 "https://x/#f", "/relative", 7, "https://" + "x" * 3000])
def test_bad_provider_urls_are_refused(bad):
    with pytest.raises(InvalidInputError):
        parse_provider_url(bad)
    settings = Settings(AppStorage(FakeKV()))
    with pytest.raises(InvalidInputError):
        settings.configure({"providerUrl": bad})
    with pytest.raises(InvalidInputError):
        settings.configure({"providerURL": "https://x"})
