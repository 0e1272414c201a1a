"""What is built from installed packages is kept in the user's cache folder, and never costs a run."""

from tasks.entities import gazetteer
from tasks.io.cache import cache_folder, cached


def test_a_build_is_kept_and_loaded_and_a_bad_file_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds = []

    def build():
        builds.append(1)
        return {"built": len(builds)}

    assert cached("thing", "k1", build) == {"built": 1}
    assert cached("thing", "k1", build) == {"built": 1} and len(builds) == 1  # loaded, not built
    assert cached("thing", "k2", build) == {"built": 2}  # another key: another build
    (cache_folder() / "thing-k1.pickle").write_bytes(b"not a pickle")
    assert cached("thing", "k1", build) == {"built": 3}
    assert [p.name for p in sorted(cache_folder().iterdir())] == ["thing-k1.pickle", "thing-k2.pickle"]


def test_a_cache_folder_that_cannot_be_made_still_gives_the_build(tmp_path, monkeypatch):
    # A file where the folder should be: no write succeeds, whoever runs it (root included).
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert cached("thing", "k", lambda: 42) == 42
    assert not blocked.is_dir()


def test_the_kept_gazetteer_is_the_one_a_build_gives(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    gazetteer._gazetteer.cache_clear()
    try:
        kept = gazetteer._gazetteer()  # built and written
        gazetteer._gazetteer.cache_clear()
        assert gazetteer._gazetteer() == kept == gazetteer._build_gazetteer()
        assert len(list(tmp_path.glob("newsfacts/gazetteer-*.pickle"))) == 1
    finally:
        gazetteer._gazetteer.cache_clear()
