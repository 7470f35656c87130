import errno
import os
from pathlib import Path

import pytest

from fascia.lib.files import publish, stage


def test_a_staged_file_is_hidden_until_published(tmp_path: Path) -> None:
    path = tmp_path / "claims.837"
    staged = stage(path, "ISA*00~", encoding="ascii")
    assert not path.exists()
    assert staged.parent == tmp_path and staged.name.startswith(".claims.837.") and staged.name.endswith(".partial")
    assert staged.read_text(encoding="ascii") == "ISA*00~"
    publish(staged, path)
    assert path.read_text(encoding="ascii") == "ISA*00~"
    assert os.listdir(tmp_path) == ["claims.837"]


def test_it_never_publishes_over_a_file(tmp_path: Path) -> None:
    path = tmp_path / "claims.837"
    path.write_text("an earlier batch")
    staged = stage(path, "ISA*00~")
    with pytest.raises(FileExistsError):
        publish(staged, path)
    assert path.read_text() == "an earlier batch"
    assert staged.read_text() == "ISA*00~"


def test_two_stagings_of_one_name_do_not_collide(tmp_path: Path) -> None:
    first, second = stage(tmp_path / "a.txt", "1"), stage(tmp_path / "a.txt", "2")
    assert first != second and (first.read_text(), second.read_text()) == ("1", "2")


def test_without_hard_links_it_renames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some network and FAT filesystems refuse hard links (EPERM)."""

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "claims.837"
    publish(stage(path, "ISA*00~"), path)
    assert os.listdir(tmp_path) == ["claims.837"] and path.read_text() == "ISA*00~"
    staged = stage(path, "again")
    with pytest.raises(FileExistsError):
        publish(staged, path)
    assert path.read_text() == "ISA*00~" and staged.exists()
