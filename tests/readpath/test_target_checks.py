"""`manage.py check` warns about off-site targets that leak or cannot be served."""

from __future__ import annotations

from statuspage.readpath.apps import publish_targets_are_safe
from statuspage.readpath.targets import parse_targets


def test_a_bucket_over_plain_http_elsewhere_is_warned_about(settings):
    settings.PUBLISH_TARGETS = parse_targets("s3://b?endpoint_url=http://minio.internal:9000")
    [warning] = publish_targets_are_safe()
    assert warning.id == "readpath.W002"


def test_https_and_a_local_minio_are_fine(settings):
    settings.PUBLISH_TARGETS = parse_targets(
        "s3://a?endpoint_url=https://oss-cn-hangzhou.aliyuncs.com,"
        "s3://b?endpoint_url=http://127.0.0.1:9000,s3://c"
    )
    assert publish_targets_are_safe() == []


def test_a_file_target_inside_the_private_run_dir_is_warned_about(settings, tmp_path):
    settings.RUN_DIR = tmp_path / "run"
    settings.PUBLISH_TARGETS = parse_targets(f"file://{tmp_path}/run/site,file://{tmp_path}/www")
    [warning] = publish_targets_are_safe()
    assert warning.id == "readpath.W003"
