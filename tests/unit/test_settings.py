import pytest

from app.core.errors import InvalidInputError
from app.core.refs import AppStorage
from app.core.settings import Settings, parse_host_origins, parse_provider_url
from tests.fakes import FakeKV


def test_provider_url_is_validated_persisted_and_reset():
    kv = FakeKV()
    settings = Settings(AppStorage(kv))
    assert settings.provider_url("http://here") == "http://here"
    assert settings.configure({"providerUrl": " https://p.example/v1/ "}) == {"providerUrl": "https://p.example/v1",
                                                                             "hostOrigins": []}
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


def test_host_origins_are_written_as_the_browser_writes_an_origin_and_kept_apart_from_the_provider():
    kv = FakeKV()
    settings = Settings(AppStorage(kv))
    settings.configure({"providerUrl": "https://p.example"})
    got = settings.configure({"hostOrigins": [" HTTPS://Gen.Example:443/", "http://127.0.0.1:8080", "http://[::1]:80",
                                              "https://gen.example"]})
    assert got == {"providerUrl": "https://p.example",
                   "hostOrigins": ["https://gen.example", "http://127.0.0.1:8080", "http://[::1]"]}
    assert Settings(AppStorage(kv)).host_origins() == got["hostOrigins"]
    assert settings.configure({"providerUrl": None})["hostOrigins"] == got["hostOrigins"]
    assert settings.configure({"hostOrigins": None}) == {"providerUrl": None, "hostOrigins": []}


@pytest.mark.parametrize("bad", ["*", "https://*.example", "https://gen.example/app", "https://gen.example?x",
                                 "ftp://gen.example", "gen.example", "https://u:p@gen.example", "https://x:99999", 7])
def test_anything_but_an_explicit_origin_is_refused_and_the_list_kept(bad):
    settings = Settings(AppStorage(FakeKV()))
    settings.configure({"hostOrigins": ["https://ok.example"]})
    with pytest.raises(InvalidInputError):
        settings.configure({"hostOrigins": [bad]})
    with pytest.raises(InvalidInputError):
        parse_host_origins("https://ok.example")  # a list, not a string
    assert settings.host_origins() == ["https://ok.example"]
