import random

from app.core.browse import Browse, Listing, SearchTexts, frame_key, group_by_project, ordered, roles


def meta(ref, created, name=None, size=100, kind="image", role="frame", params=None, project="p1"):
    return {"ref": ref, "projectId": project, "createdAt": created, "name": name or f"{ref}.png", "size": size,
            "kind": kind, "role": role, "mime": f"{kind}/x", "params": params or {}}


def test_frames_come_in_frame_order_whatever_order_they_were_saved_in():
    frames = [meta(f"f{n}", created=1000 - n, params={"frameNumber": n}) for n in (3, 1, 10, 2)]
    scene = meta("scene", created=1, role="scene")
    stamped = meta("t", created=5, params={"frameNumber": 2, "timestamp": 0.5})
    shown = ordered(frames + [scene, stamped])
    # Frame 2 twice: the one with a timestamp first (the other has none); the scene, frameless, last.
    assert [m["ref"] for m in shown] == ["f1", "t", "f2", "f3", "f10", "scene"]


def test_frame_positions_given_as_text_or_timestamps_alone_order_too_and_junk_is_ignored():
    items = [meta("a", 3, params={"frame": "12"}), meta("b", 2, params={"timestamp": 0.25}),
             meta("c", 1, params={"frameIndex": 4}), meta("d", 0, params={"frameNumber": "soon", "seed": 1}),
             meta("e", 4, params={"frameNumber": True})]
    assert [m["ref"] for m in ordered(items)] == ["c", "a", "b", "d", "e"]
    assert frame_key(items[3])[0] == 1  # no usable position: after the frames, by creation


def test_sorts_by_name_size_and_creation_both_ways():
    items = [meta("a", 2, name="beta.png", size=30), meta("b", 1, name="Alpha.png", size=10),
             meta("c", 3, name="gamma.png", size=20)]
    assert [m["ref"] for m in ordered(items, "name")] == ["b", "a", "c"]  # case does not matter
    assert [m["ref"] for m in ordered(items, "size", True)] == ["a", "c", "b"]
    assert [m["ref"] for m in ordered(items, "created")] == ["b", "a", "c"]


def test_search_matches_every_word_in_name_role_and_params_ignoring_case():
    items = [meta("a", 1, params={"prompt": "A red fox at dawn", "model": {"name": "flux-2"}, "seed": 42}),
             meta("b", 2, params={"prompt": "a red car"}),
             meta("c", 3, name="Fox-closeup.png", role="character")]
    texts = SearchTexts()
    assert [m["ref"] for m in Browse(q="FOX red").apply(items, texts)] == ["a"]
    assert [m["ref"] for m in Browse(q="fox").apply(items, texts)] == ["a", "c"]
    assert [m["ref"] for m in Browse(q="flux").apply(items, texts)] == ["a"]  # a nested param
    assert [m["ref"] for m in Browse(q="seed 42").apply(items, texts)] == ["a"]  # key and value
    assert [m["ref"] for m in Browse(q="character").apply(items, texts)] == ["c"]
    assert Browse(q="zebra").apply(items, texts) == []


def test_a_changed_record_is_searched_by_its_new_text():
    texts = SearchTexts()
    old = meta("a", 1, name="draft.png")
    assert Browse(q="draft").apply([old], texts) == [old]
    renamed = dict(old, name="final.png")
    assert Browse(q="draft").apply([renamed], texts) == []
    assert Browse(q="final").apply([renamed], texts) == [renamed]



def test_texts_warmed_ahead_are_the_ones_a_keystroke_uses(monkeypatch):
    import app.core.browse as browse
    texts = SearchTexts()
    items = [meta("a", 1, name="dawn.png"), meta("b", 2, name="dusk.png")]
    texts.warm(items)
    made = []
    monkeypatch.setattr(browse, "search_text", lambda m: made.append(m["ref"]) or "")
    assert [m["ref"] for m in Browse(q="dusk").apply(items, texts)] == ["b"] and made == []


def test_filters_by_kind_and_role_combine_with_search_and_sort():
    items = [meta("a", 1, kind="video", role="clip", size=5), meta("b", 2, role="frame", size=9),
             meta("c", 3, role="frame", size=7), meta("d", 4, kind="audio", role="tts")]
    assert [m["ref"] for m in Browse(kind="image", sort="size", descending=True).apply(items)] == ["b", "c"]
    assert [m["ref"] for m in Browse(role="clip").apply(items)] == ["a"]
    assert roles(items) == ["frame", "clip", "tts"]


def test_the_view_round_trips_through_the_url_and_bad_links_fall_back_to_the_default():
    spec = Browse(sort="size", descending=True, kind="video", role="clip", q="red fox & co")
    assert Browse.from_query(spec.query()) == spec
    assert Browse().query() == ""  # the default view keeps the link clean
    assert Browse.from_query("sort=colour&kind=pdf&q=") == Browse()
    assert Browse.from_query("%zz=1&&q=a%20b") == Browse(q="a b")
    assert Browse.from_query("q=" + "x" * 2000).q == "x" * 500


def test_search_results_group_by_project_title():
    items = [meta("a", 1, project="p2"), meta("b", 2, project="p1"), meta("c", 3, project="p2")]
    groups = group_by_project(items, {"p1": "Zebra", "p2": "apple"})
    assert [(pid, title, [m["ref"] for m in found]) for pid, title, found in groups] == \
        [("p2", "apple", ["a", "c"]), ("p1", "Zebra", ["b"])]


def test_ten_thousand_frames_saved_out_of_order_come_back_in_frame_order():
    numbers = list(range(10_000))
    random.Random(7).shuffle(numbers)
    shots = ["dawn", "noon", "dusk", "night"]
    items = [meta(f"r{i}", created=i, params={"frameNumber": n, "prompt": f"shot at {shots[n % 4]}"})
             for i, n in enumerate(numbers)]
    shown = Browse().apply(items)
    assert [m["params"]["frameNumber"] for m in shown] == list(range(10_000))
    assert [m["params"]["frameNumber"] for m in Browse(q="DUSK shot").apply(items)] == list(range(2, 10_000, 4))


def test_a_listing_shows_the_same_as_sorting_and_filtering_afresh_and_follows_a_new_list():
    rng = random.Random(3)
    items = [meta(f"r{i}", created=rng.randrange(50), size=rng.randrange(9), kind=rng.choice(["image", "video"]),
                  params={"frameNumber": rng.randrange(30)} if rng.random() < 0.7 else {"prompt": rng.choice(["sea", "sky"])})
             for i in range(300)]
    listing = Listing(items)
    for spec in (Browse(), Browse(sort="size", descending=True), Browse(q="sea", kind="video"), Browse(sort="name", q="r1")):
        assert listing.show(spec) == spec.apply(items), spec
    fewer = items[::2]
    listing.set(fewer)
    assert listing.show(Browse(sort="size")) == Browse(sort="size").apply(fewer)


def test_a_listing_warmed_ahead_sorts_by_the_keys_it_made_and_remakes_a_changed_records(monkeypatch):
    import app.core.browse as browse
    items = [meta("a", 1, params={"frameNumber": 3}), meta("b", 2, params={"frameNumber": 1}),
             meta("c", 3, params={"frameNumber": 2})]
    listing = Listing(items)
    listing.warm(items, "order")
    made = []
    real = browse.frame_key
    monkeypatch.setattr(browse, "frame_key", lambda m: made.append(m["ref"]) or real(m))
    assert [m["ref"] for m in listing.show(Browse(q="png"))] == ["b", "c", "a"] and made == []
    moved = dict(items[0], params={"frameNumber": 0})  # a changed record arrives as a new dict
    listing.set([moved, *items[1:]])
    assert [m["ref"] for m in listing.show(Browse())] == ["a", "b", "c"] and made == ["a"]
