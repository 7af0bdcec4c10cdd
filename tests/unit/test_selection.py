from app.core.selection import Selection

SHOWN = ["a", "b", "c", "d", "e"]


def test_click_toggles_and_shift_click_takes_the_run_from_the_last_click_in_either_direction():
    picked = Selection()
    assert picked.toggle("b") is True
    picked.extend_to("d", SHOWN)
    assert picked.refs == {"b", "c", "d"}
    picked.toggle("e")
    picked.extend_to("c", SHOWN)  # backwards from the new anchor
    assert picked.refs == {"b", "c", "d", "e"} and picked.ordered(SHOWN) == ["b", "c", "d", "e"]


def test_a_shift_click_after_an_unpick_unpicks_the_run():
    picked = Selection()
    picked.select_all(SHOWN)
    assert picked.toggle("b") is False
    picked.extend_to("d", SHOWN)
    assert picked.refs == {"a", "e"}


def test_without_an_anchor_in_the_list_a_shift_click_picks_one():
    picked = Selection()
    picked.extend_to("c", SHOWN)
    assert picked.refs == {"c"} and picked.anchor == "c"
    picked.extend_to("e", ["c", "e"])
    picked.retain({"e"})  # c deleted: it leaves the selection, and the anchor goes with it
    assert picked.refs == {"e"} and picked.anchor is None
    picked.extend_to("a", SHOWN)
    assert picked.refs == {"a", "e"}


def test_select_all_takes_what_is_shown_and_keeps_what_was_picked_elsewhere():
    picked = Selection()
    picked.toggle("z")
    picked.select_all(["a", "b"])
    assert len(picked) == 3 and "z" in picked and picked.ordered(["b", "a"]) == ["b", "a", "z"]
    picked.clear()
    assert len(picked) == 0 and picked.anchor is None
