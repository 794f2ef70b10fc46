"""Drive fileemu's fake S3 with boto3, as a user's Python code would.

Usage: python3 boto3_roundtrip.py ENDPOINT WORKDIR
ENDPOINT is a session's S3 base URL (http://127.0.0.1:PORT/_s/ID/s3, or https:// with a test
certificate, which is not verified). Prints one JSON document: what was checked and what
botocore sent. Exits non-zero on the first mismatch.
"""
import hashlib
import json
import os
import sys

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, workdir = sys.argv[1], sys.argv[2]
sent = []


def header(h, name):
    v = h.get(name, "")
    return v.decode() if isinstance(v, bytes) else v


def record(request, **_):
    h = request.headers
    sent.append({
        "method": request.method,
        "url": request.url.split("?", 1)[-1] if "?" in request.url else "",
        "x-amz-content-sha256": header(h, "x-amz-content-sha256"),
        "content-md5": bool(h.get("Content-MD5")),
        "checksum": sorted(k.lower() for k in h.keys() if k.lower().startswith("x-amz-checksum") or k.lower() == "x-amz-trailer"),
        "content-encoding": header(h, "Content-Encoding"),
    })


s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="fileemu",
    aws_secret_access_key="fileemu-secret",
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    verify=False,  # https endpoints in the tests use httptest's self-signed certificate
)
if endpoint.startswith("https:"):
    import urllib3
    urllib3.disable_warnings()
s3.meta.events.register("before-send.s3", record)


def fail(msg):
    print(json.dumps({"error": msg, "sent": sent}))
    sys.exit(1)


bucket = "boto-bucket"
s3.create_bucket(Bucket=bucket)

# put / get
body = b"hello from boto3 \xe2\x9c\x93"
put = s3.put_object(Bucket=bucket, Key="dir/small file.txt", Body=body, ContentType="text/plain", Metadata={"via": "boto3"})
got = s3.get_object(Bucket=bucket, Key="dir/small file.txt")
if got["Body"].read() != body:
    fail("small object differs")
if got["ContentType"] != "text/plain" or got["Metadata"].get("via") != "boto3":
    fail("metadata: %r %r" % (got["ContentType"], got["Metadata"]))
if put["ETag"] != '"%s"' % hashlib.md5(body).hexdigest():
    fail("put ETag " + put["ETag"])

# multipart via upload_file: 12 MiB with a 5 MiB threshold and part size -> 3 parts
path = os.path.join(workdir, "twelve.bin")
data = os.urandom(12 << 20)
with open(path, "wb") as f:
    f.write(data)
cfg = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
s3.upload_file(path, bucket, "big/twelve.bin", Config=cfg)
head = s3.head_object(Bucket=bucket, Key="big/twelve.bin")
if not head["ETag"].endswith('-3"') or head["ContentLength"] != len(data):
    fail("multipart head: %r %r" % (head["ETag"], head["ContentLength"]))
back = s3.get_object(Bucket=bucket, Key="big/twelve.bin")["Body"].read()
if hashlib.sha256(back).hexdigest() != hashlib.sha256(data).hexdigest():
    fail("multipart object differs")
out = os.path.join(workdir, "twelve.out")
s3.download_file(bucket, "big/twelve.bin", out, Config=cfg)
with open(out, "rb") as f:
    if hashlib.sha256(f.read()).hexdigest() != hashlib.sha256(data).hexdigest():
        fail("download_file differs")

# list (boto3 asks for encoding-type=url and decodes), copy, delete many
listed = s3.list_objects_v2(Bucket=bucket, Prefix="dir/")
keys = [o["Key"] for o in listed.get("Contents", [])]
if keys != ["dir/small file.txt"] or listed["KeyCount"] != 1:
    fail("list: %r" % listed)
s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "dir/small file.txt"})
if s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read() != body:
    fail("copy differs")
deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "copy.txt"}, {"Key": "dir/small file.txt"}]})
if len(deleted.get("Deleted", [])) != 2:
    fail("delete_objects: %r" % deleted)
left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
if left != ["big/twelve.bin"]:
    fail("left after delete: %r" % left)

print(json.dumps({"ok": True, "boto3": boto3.__version__, "sent": sent}))
