from bench import profiling


def test_profile_lists_library_functions_by_their_own_time(tmp_path, monkeypatch):
    monkeypatch.setattr(profiling, "PROFILES", tmp_path)
    monkeypatch.setattr(profiling, "BASE_DIR", tmp_path.parent)

    def spin():
        return sorted(str(number) for number in range(20_000))

    path = profiling.write_profile("8z", spin, times=20)

    text = (tmp_path.parent / path).read_text()
    tree, flat = text.split("Functions by their own time", 1)
    assert "spin" in tree
    assert "<genexpr>" in flat or "spin" in flat
