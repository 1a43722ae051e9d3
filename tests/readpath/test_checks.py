"""`manage.py check` says so when the published files could not be served."""

from __future__ import annotations

from statuspage.readpath.apps import publish_dir_is_servable


def test_publishing_inside_the_private_run_dir_is_warned_about(settings, tmp_path):
    settings.RUN_DIR = tmp_path / "run"
    settings.PUBLISH_DIR = str(tmp_path / "run" / "published")
    [warning] = publish_dir_is_servable()
    assert warning.id == "readpath.W001"
    assert "nginx" in warning.msg


def test_a_directory_of_its_own_is_fine(settings, tmp_path):
    settings.RUN_DIR = tmp_path / "run"
    settings.PUBLISH_DIR = str(tmp_path / "www")
    assert publish_dir_is_servable() == []
    settings.PUBLISH_DIR = ""
    assert publish_dir_is_servable() == []
