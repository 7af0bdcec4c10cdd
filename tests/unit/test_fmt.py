from app.core import fmt


def test_sizes_read_as_people_write_them():
    assert [fmt.size(n) for n in (0, 1023, 1024, 5 * 2**20 + 2**19, 3 * 2**30)] == ["0 B", "1023 B", "1.0 KB", "5.5 MB", "3.0 GB"]


def test_params_rows_flatten_nested_objects_and_keep_strings_as_typed():
    rows = fmt.params_rows({"prompt": "dawn, \"over\" water", "seed": 42, "model": {"name": "m-2", "steps": 30},
                            "loras": ["a", "b"], "empty": {}, "none": None, "ok": True})
    assert rows == [("prompt", 'dawn, "over" water'), ("seed", "42"), ("model.name", "m-2"), ("model.steps", "30"),
                    ("loras", '["a", "b"]'), ("empty", "{}"), ("none", "null"), ("ok", "true")]


def test_a_count_agrees_with_its_noun():
    assert fmt.count(0, "file") == "0 files"
    assert fmt.count(1, "file") == "1 file"
    assert fmt.count(1, "project") == "1 project"
    assert fmt.count(10_000, "file") == "10,000 files"
