"""Shopify's official Admin GraphQL schema for the pinned version, fetched from npm and cached.

The introspection JSON ships inside the npm package ``@shopify/dev-mcp`` (ISC licence, Shopify Inc.).
It is never committed: the first caller downloads the tarball with ``npm pack``, checks the sha256
pinned below and moves the file into the cache directory. Later calls only read the cached file.

Loading (``json`` + ``build_client_schema``) measured about 0.55 s on the development machine, below
the 1 s threshold where caching a compact form would pay off, so the schema is rebuilt from the
gzipped JSON once per process and kept in memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

API_VERSION = "2026-10"
NPM_PACKAGE = "@shopify/dev-mcp@1.16.0"
SCHEMA_FILENAME = f"admin_{API_VERSION}.json.gz"
TARBALL_MEMBER = f"package/dist/data/{SCHEMA_FILENAME}"
SCHEMA_SHA256 = "f3b522f264556925eada700e795e4a002a9cba83444ebcc6c0d724254a0c6593"

REPO_ROOT = Path(__file__).resolve().parents[2]

_loaded: dict[Path, GraphQLSchema] = {}
_load_lock = threading.Lock()


class SchemaFetchError(RuntimeError):
    """The schema could not be downloaded, or the download is not the pinned file."""


def default_cache_dir() -> Path:
    env = os.environ.get("SYNCO_CACHE_DIR")
    return Path(env) if env else REPO_ROOT / "var" / "cache"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _file_lock(lock_path: Path) -> Iterator[None]:
    # An advisory lock on a side file: parallel test workers or `make` targets that all need the
    # schema wait for the first download instead of running npm several times at once.
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _download(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SchemaFetchError("npm is not installed; it is needed once to fetch the Shopify Admin schema")
    with tempfile.TemporaryDirectory(prefix="synco-schema-") as tmp:
        tmp_dir = Path(tmp)
        result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [npm, "pack", NPM_PACKAGE, "--pack-destination", str(tmp_dir), "--silent"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_dir,
        )
        if result.returncode != 0:
            raise SchemaFetchError(f"`npm pack {NPM_PACKAGE}` failed: {result.stderr.strip()[-2000:]}")
        tarballs = sorted(tmp_dir.glob("*.tgz"))
        if not tarballs:
            raise SchemaFetchError(f"`npm pack {NPM_PACKAGE}` produced no tarball")
        extracted = tmp_dir / SCHEMA_FILENAME
        with tarfile.open(tarballs[0], "r:gz") as tar:
            try:
                member = tar.getmember(TARBALL_MEMBER)
            except KeyError as exc:
                raise SchemaFetchError(f"{TARBALL_MEMBER} is missing from {NPM_PACKAGE}") from exc
            source = tar.extractfile(member)
            if source is None:
                raise SchemaFetchError(f"{TARBALL_MEMBER} in {NPM_PACKAGE} is not a regular file")
            with source, extracted.open("wb") as out:
                shutil.copyfileobj(source, out)
        actual = _sha256(extracted)
        if actual != SCHEMA_SHA256:
            raise SchemaFetchError(
                f"{SCHEMA_FILENAME} from {NPM_PACKAGE} has sha256 {actual}, expected {SCHEMA_SHA256}; "
                "refusing to use an unpinned schema"
            )
        # Copy next to the target first so the final step is an atomic rename on one filesystem.
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(extracted, staging)
        os.replace(staging, target)


def ensure_schema_file(cache_dir: Path | None = None) -> Path:
    """Return the path of the cached, checksum-verified schema, downloading it on first use."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / SCHEMA_FILENAME
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with _file_lock(cache / f".{SCHEMA_FILENAME}.lock"):
        if not target.exists():  # another process may have finished while we waited
            _download(target)
    return target


def load_schema(cache_dir: Path | None = None) -> GraphQLSchema:
    """Build (once per process and cache dir) the GraphQLSchema of the pinned Admin API version."""
    path = ensure_schema_file(cache_dir).resolve()
    with _load_lock:
        schema = _loaded.get(path)
        if schema is None:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                introspection = json.load(fh)
            schema = build_client_schema(introspection["data"])
            _loaded[path] = schema
        return schema


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cache = Path(args[0]) if args else None
    try:
        path = ensure_schema_file(cache)
    except SchemaFetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
