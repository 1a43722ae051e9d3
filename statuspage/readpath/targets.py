"""Where the public site is published besides PUBLISH_DIR: directories and S3-compatible buckets.

PUBLISH_TARGETS is a comma-separated list of URLs:

    file:///srv/statuspage-site
    s3://bucket/prefix?endpoint_url=https://oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou

An s3:// target takes its credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
(or any other source boto3 reads), or from `access_key_id` and `secret_access_key` (or
`profile`) in its own query string, so two buckets at two providers can each have their own.
`addressing=path` asks for path-style URLs (MinIO, moto); `compress=none` stores text objects
uncompressed (by default they are stored gzipped with Content-Encoding: gzip, which every
browser and CDN accepts); `timeout=10` bounds each request (seconds; connecting: at most 3).

This module knows how to write one object and read and write the version manifest of one
target; what is written, and in which order, is publish.py's. It imports nothing from Django's
models, so settings.py can parse the setting with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from statuspage.lib.atomic_files import write_atomically

MANIFEST = "version.json"
S3_OPTIONS = {
    "endpoint_url",
    "region",
    "access_key_id",
    "secret_access_key",
    "profile",
    "addressing",
    "compress",
    "timeout",
}
SECRET_OPTIONS = {"secret_access_key"}


@dataclass(frozen=True)
class Target:
    url: str  # as configured, secrets included
    scheme: str  # "file" or "s3"
    location: str  # the directory, or the bucket
    prefix: str = ""  # keys start with it ("" or "dir/")
    options: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The URL without its secrets: what logs and the admin show."""
        parts = urlsplit(self.url)
        query = [(k, "***" if k in SECRET_OPTIONS else v) for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query, safe="/:*")))

    @property
    def compress(self) -> bool:
        return self.options.get("compress", "gzip") != "none"


def parse_targets(value: str) -> list[Target]:
    """PUBLISH_TARGETS, checked; raises ValueError saying what is wrong with which entry."""
    targets = []
    for raw in (part.strip() for part in value.split(",")):
        if not raw:
            continue
        parts = urlsplit(raw)
        if parts.scheme == "file":
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                raise ValueError(f"{raw}: a file target is file:///absolute/path")
            targets.append(Target(raw, "file", parts.path.rstrip("/") or "/"))
        elif parts.scheme == "s3":
            if not parts.netloc:
                raise ValueError(f"{raw}: an s3 target names its bucket: s3://bucket/prefix")
            options = dict(parse_qsl(parts.query, keep_blank_values=True))
            unknown = set(options) - S3_OPTIONS
            if unknown:
                raise ValueError(f"{raw}: unknown option {', '.join(sorted(unknown))}")
            endpoint = options.get("endpoint_url")
            if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
                raise ValueError(f"{raw}: endpoint_url must be an http(s) URL")
            if ("access_key_id" in options) != ("secret_access_key" in options):
                raise ValueError(f"{raw}: give both access_key_id and secret_access_key")
            if options.get("addressing", "auto") not in ("auto", "path", "virtual"):
                raise ValueError(f"{raw}: addressing is auto, path or virtual")
            if options.get("compress", "gzip") not in ("gzip", "none"):
                raise ValueError(f"{raw}: compress is gzip or none")
            try:
                if float(options.get("timeout", "10")) <= 0:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{raw}: timeout is a number of seconds") from None
            prefix = parts.path.strip("/")
            targets.append(Target(raw, "s3", parts.netloc, prefix + "/" if prefix else "", options))
        else:
            raise ValueError(f"{raw}: a target is file:///path or s3://bucket/prefix")
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise ValueError("the same target is listed twice")
    return targets


@dataclass(frozen=True)
class SiteObject:
    """One object of the published site."""

    key: str  # relative to the target's root, e.g. "index.html", "en/history"
    body: bytes
    content_type: str
    cache_control: str
    gzip: bytes | None = None  # the body gzipped, when worth storing compressed
    br: bytes | None = None

    @property
    def fingerprint(self) -> str:
        """Changes when anything stored for it would: the body or a header."""
        digest = hashlib.blake2b(self.body, digest_size=12)
        digest.update(f"\0{self.content_type}\0{self.cache_control}".encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    version: int
    token: str | None  # what a conditional write of the next manifest compares against
    data: dict = field(default_factory=dict)


class Conflict(Exception):
    """Another publisher wrote the manifest while we were publishing."""


class Writer(Protocol):
    def manifest(self) -> Manifest: ...

    def put(self, item: SiteObject) -> None: ...

    def put_manifest(self, body: bytes, expected: Manifest) -> None: ...


def _parsed(raw: bytes, token: str | None) -> Manifest:
    try:
        data = json.loads(raw)
        return Manifest(int(data["version"]), token, data)
    except (ValueError, KeyError, TypeError):
        return Manifest(0, token)


class FileWriter:
    """A directory another server serves (or copies elsewhere): the site's keys as files, each
    with a .gz and .br sibling for gzip_static/brotli_static, replaced by rename."""

    def __init__(self, target: Target) -> None:
        self.root = Path(target.location)

    def manifest(self) -> Manifest:
        try:
            raw = (self.root / MANIFEST).read_bytes()
        except OSError:
            return Manifest(0, None)
        return _parsed(raw, "file")

    def put(self, item: SiteObject) -> None:
        path = self.root / item.key
        write_atomically(path, item.body)
        if item.gzip is not None:
            write_atomically(path.with_name(path.name + ".gz"), item.gzip)
        if item.br is not None:
            write_atomically(path.with_name(path.name + ".br"), item.br)

    def put_manifest(self, body: bytes, expected: Manifest) -> None:
        # offsite.py holds the target's lock; a directory has no conditional write.
        if self.manifest().data != expected.data:
            raise Conflict(str(self.root / MANIFEST))
        write_atomically(self.root / MANIFEST, body)


class S3Writer:
    """An S3-compatible bucket, through boto3, with short timeouts: a target that does not
    answer must fail fast, not hold up the next publish."""

    def __init__(self, target: Target) -> None:
        import boto3
        from botocore.config import Config

        options = target.options
        read_timeout = float(options.get("timeout", "10"))
        connect_timeout = min(read_timeout, 3.0)
        session = boto3.session.Session(
            profile_name=options.get("profile") or None,
            aws_access_key_id=options.get("access_key_id") or None,
            aws_secret_access_key=options.get("secret_access_key") or None,
        )
        self.client = session.client(
            "s3",
            endpoint_url=options.get("endpoint_url") or None,
            region_name=options.get("region") or None,
            config=Config(
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=16,
                s3={"addressing_style": options.get("addressing", "auto")},
            ),
        )
        self.bucket = target.location
        self.prefix = target.prefix
        self.compress = target.compress

    def manifest(self) -> Manifest:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + MANIFEST)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return Manifest(0, None)
            raise
        return _parsed(answer["Body"].read(), answer["ETag"])

    def put(self, item: SiteObject) -> None:
        extra = {}
        body = item.body
        if self.compress and item.gzip is not None:
            body = item.gzip
            extra["ContentEncoding"] = "gzip"
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + item.key,
            Body=body,
            ContentType=item.content_type,
            CacheControl=item.cache_control,
            **extra,
        )

    def put_manifest(self, body: bytes, expected: Manifest) -> None:
        """Written only if the manifest is still the one read before publishing (If-Match), or
        still absent (If-None-Match: *): two publishers cannot both think they won."""
        from botocore.exceptions import ClientError

        condition = {"IfMatch": expected.token} if expected.token else {"IfNoneMatch": "*"}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + MANIFEST,
                Body=body,
                ContentType="application/json",
                CacheControl="no-cache",
                **condition,
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                raise Conflict(f"s3://{self.bucket}/{self.prefix}{MANIFEST}") from exc
            raise


def writer(target: Target) -> Writer:
    return FileWriter(target) if target.scheme == "file" else S3Writer(target)
