"""The class archive of a local Spark JVM: mapped where it exists, else written on leaving."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockout.batch.spark_archive import ARCHIVE_VARIABLE, class_archive


def test_an_archive_that_exists_is_mapped(tmp_path: Path) -> None:
    path = tmp_path / "spark.jsa"
    path.write_bytes(b"archive")
    archive = class_archive({ARCHIVE_VARIABLE: str(path)})
    assert archive is not None and archive.partial is None
    assert f"-XX:SharedArchiveFile={path}" in archive.options.split()
    assert "-Xlog:cds=off" in archive.options.split()  # nothing on the command's output


def test_a_missing_archive_is_written_to_a_file_of_this_process_then_kept(tmp_path: Path
                                                                          ) -> None:
    path = tmp_path / "cache" / "spark.jsa"
    archive = class_archive({ARCHIVE_VARIABLE: str(path)})
    assert archive is not None and archive.partial is not None
    assert f"-XX:ArchiveClassesAtExit={archive.partial}" in archive.options.split()
    assert archive.partial.parent == path.parent and archive.partial != path
    archive.keep()  # the JVM wrote nothing (killed): nothing to keep
    assert not path.exists()
    archive.partial.write_bytes(b"archive")
    archive.keep()
    assert path.read_bytes() == b"archive" and not archive.partial.exists()


def test_a_partial_archive_of_a_killed_jvm_is_discarded(tmp_path: Path) -> None:
    archive = class_archive({ARCHIVE_VARIABLE: str(tmp_path / "spark.jsa")})
    assert archive is not None and archive.partial is not None
    archive.partial.write_bytes(b"half")
    archive.discard()
    assert list(tmp_path.iterdir()) == []


def test_the_default_archive_is_in_the_users_cache_named_for_pyspark_and_java(tmp_path: Path
                                                                              ) -> None:
    pytest.importorskip("pyspark")
    archive = class_archive({"XDG_CACHE_HOME": str(tmp_path), "JAVA_HOME": "/nowhere"})
    other = class_archive({"XDG_CACHE_HOME": str(tmp_path), "JAVA_HOME": "/elsewhere"})
    assert archive is not None and other is not None
    assert archive.path.parent == tmp_path / "stockout"
    assert archive.path.name.startswith("spark-") and archive.path.suffix == ".jsa"
    assert archive.path != other.path  # another java, another archive


def test_no_archive_when_switched_off_or_where_jvm_options_cannot_name_it(tmp_path: Path
                                                                          ) -> None:
    assert class_archive({ARCHIVE_VARIABLE: ""}) is None
    assert class_archive({ARCHIVE_VARIABLE: str(tmp_path / "a b" / "spark.jsa")}) is None
