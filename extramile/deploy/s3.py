"""S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, Backblaze B2...).

Every file gets its Content-Type and Cache-Control (deploy/headers.py). New and
changed files are uploaded, assets before the pages that use them; only then
are objects the new build no longer has deleted, so a reader never meets a page
whose stylesheet is gone. Precompressed copies, _headers and _redirects are
left out: object storage cannot choose an encoding per request. A post's old
address is uploaded with WebsiteRedirectLocation, so the bucket's website
endpoint answers 301. The manifest is uploaded last, once the site is complete.

There is no lock on the bucket: a publish deletes only objects that were there
when it listed the bucket, but two publishes from two machines at once may
leave a mix of both builds until the next one (docs/deploying.md).
"""

import hashlib
from pathlib import Path

from . import manifest as manifests
from . import redirects
from .headers import cache_control, content_type
from .nginx import read_headers

VARIABLES = {"S3_BUCKET": "", "S3_PREFIX": "", "S3_ENDPOINT_URL": "", "S3_REGION": ""}
REQUIRED = ["S3_BUCKET"]
SERVED_SETTINGS = ("S3_PREFIX",)  # where the files go in the bucket
SKIP_SUFFIXES = (".gz", ".br")
SKIP_NAMES = ("_headers", redirects.NAME)


def client(config):
    import boto3  # only this target needs it

    return boto3.client("s3", endpoint_url=config["S3_ENDPOINT_URL"] or None,
                        region_name=config["S3_REGION"] or None)


def key_of(config, rel):
    prefix = config["S3_PREFIX"].strip("/")
    return f"{prefix}/{rel}" if prefix else rel


def read_manifest(config):
    """The manifest in the bucket, or None if there is none yet."""
    s3 = client(config)
    try:
        found = s3.get_object(Bucket=config["S3_BUCKET"], Key=key_of(config, manifests.NAME))
    except s3.exceptions.NoSuchKey:
        return None
    return manifests.loads(found["Body"].read())


def remote_objects(s3, bucket, prefix):
    """{key: ETag} of every object under the prefix."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {obj["Key"]: obj["ETag"].strip('"') for page in pages for obj in page.get("Contents", [])}


def plan(output, config, remote):
    """(uploads, deletions): uploads as (key, path, why), assets first. An object whose
    ETag is the file's MD5 is not sent again."""
    uploads, keys = [], {key_of(config, manifests.NAME)}  # the manifest is no stale object
    for path in sorted(Path(output).rglob("*")):
        if not path.is_file() or path.name.endswith(SKIP_SUFFIXES) or path.name in SKIP_NAMES:
            continue
        key = key_of(config, path.relative_to(output).as_posix())
        keys.add(key)
        etag = remote.get(key)
        if etag != hashlib.md5(path.read_bytes()).hexdigest():
            uploads.append((key, path, "new" if etag is None else "changed"))
    uploads.sort(key=lambda item: (item[0].endswith(".html"), item[0]))
    return uploads, sorted(set(remote) - keys)


def redirect_locations(output):
    """{file of the build: WebsiteRedirectLocation} of each old address; the site's
    sub-path is the one its `_headers` names (as for nginx)."""
    headers = Path(output) / "_headers"
    prefix = next(iter(read_headers(headers)), "/*")[:-2] if headers.exists() else ""
    return redirects.moved_files(output, prefix)


def deploy(output, config, dry_run=False, manifest=None):
    s3, bucket = client(config), config["S3_BUCKET"]
    prefix = config["S3_PREFIX"].strip("/")
    remote = remote_objects(s3, bucket, prefix + "/" if prefix else "")
    uploads, deletions = plan(output, config, remote)
    manifests.say_changes(f"s3://{bucket}/{prefix}", [
        *(f"{why:8} {key}  ({content_type(key)}; {cache_control(key)})" for key, _path, why in uploads),
        *(f"deleted  {key}" for key in deletions)], dry_run)
    if dry_run:
        return uploads, deletions
    moved = {key_of(config, rel): location for rel, location in redirect_locations(output).items()}
    for key, path, _why in uploads:
        extra = {"WebsiteRedirectLocation": moved[key]} if key in moved else {}
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(),
                      ContentType=content_type(key), CacheControl=cache_control(key), **extra)
    # Only now, with every new file in place, remove what the site no longer has.
    for start in range(0, len(deletions), 1000):
        batch = deletions[start:start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
    if manifest is not None:
        data, key = manifests.dumps(manifest), key_of(config, manifests.NAME)
        if remote.get(key) != hashlib.md5(data).hexdigest():
            s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/json",
                          CacheControl="no-store")
    return uploads, deletions
