import pytest

from app.core.errors import InvalidIdError
from app.core.fileids import MAX_IDS, parse_ids, split_ids


def test_split_trims_drops_empties_keeps_order_and_removes_repeats():
    assert split_ids(" a1, b2,,a1 , c_3-x ,") == (["a1", "b2", "c_3-x"], [])
    assert split_ids("") == ([], [])


@pytest.mark.parametrize("bad", ["<svg onload=alert(1)>", "../x", "a b", "a" * 65, "é", "a/b", "a;b", "\x00",
                                 "<script type=\"py\">print(1)</script>"])
def test_hostile_items_are_reported_not_kept(bad):
    valid, invalid = split_ids(f"ok1,{bad},ok2")
    assert valid == ["ok1", "ok2"] and invalid == [bad.strip()]
    with pytest.raises(InvalidIdError, match="Not valid file IDs"):
        parse_ids(f"ok1,{bad}")


def test_parse_lists_the_bad_ids_and_caps_the_count():
    with pytest.raises(InvalidIdError) as caught:
        parse_ids("a1,<x>,../y," + ",".join(f"bad {i}" for i in range(12)))
    message = str(caught.value)
    assert "'<x>', '../y', 'bad 0'" in message and "and 4 more" in message
    assert parse_ids(",".join(f"f{i}" for i in range(MAX_IDS))) == [f"f{i}" for i in range(MAX_IDS)]
    with pytest.raises(InvalidIdError, match="101 file IDs given; a generation tracks at most 100"):
        parse_ids(",".join(f"f{i}" for i in range(101)))
    assert parse_ids(",".join(["a1"] * 150)) == ["a1"]  # repeats do not count
    for empty in ("", " , ,", None, 7):
        with pytest.raises(InvalidIdError):
            parse_ids(empty)
