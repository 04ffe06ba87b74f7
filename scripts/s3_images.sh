#!/usr/bin/env bash
# Pictures on an S3-compatible store: a local moto server (from PyPI, in a
# virtualenv under /tmp), a bucket, `barta serve --demo` with
# BARTA_IMAGE_STORE=s3://bucket/prefix, an upload and a rendition, then the
# objects listed from the bucket. Not in CI (it installs moto); 127.0.0.1
# only; stops by itself.
#   scripts/s3_images.sh [path/to/barta]
set -euo pipefail
BARTA="${1:-target/debug/barta}"
VENV=/tmp/barta-moto-venv
S3_PORT=18950
PORT=18951
[[ -x "$VENV/bin/moto_server" ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "moto[server]" boto3; }
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
"$VENV/bin/moto_server" -p "$S3_PORT" >"$work/moto.log" 2>&1 & pids+=($!)
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true
py() { "$VENV/bin/python" -c "import boto3, sys; s3 = boto3.client('s3', endpoint_url='$AWS_ENDPOINT'); $1"; }
for _ in $(seq 1 50); do py "s3.list_buckets()" 2>/dev/null && break; sleep 0.2; done
py "s3.create_bucket(Bucket='barta-pictures')"
db="sqlite://$work/b.db?mode=rwc"
key="$("$BARTA" keys create --name s3 --scope editor --database "$db" 2>/dev/null | grep -o 'barta_[A-Za-z0-9_-]*' | head -1)"
BARTA_IMAGE_STORE=s3://barta-pictures/news "$BARTA" serve --demo --bind "127.0.0.1:$PORT" --database "$db" \
  >"$work/server.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.2; done
# A small PNG made here.
python3 - "$work/p.png" <<'PY'
import struct, sys, zlib
w, h = 900, 600
rows = []
for y in range(h):
    r = bytearray(3 * w); r[0::3] = bytes(x * 255 // w for x in range(w)); r[1::3] = bytes([y * 255 // h]) * w; r[2::3] = bytes([90]) * w
    rows.append(b"\x00" + bytes(r))
c = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + c(b"IDAT", zlib.compress(b"".join(rows))) + c(b"IEND", b""))
PY
read -r id pic < <(curl -fs -X POST -H "authorization: Bearer $key" -H 'content-type: image/png' \
  --data-binary @"$work/p.png" "http://127.0.0.1:$PORT/v1/admin/images" | python3 -c 'import json,sys; d = json.load(sys.stdin)["data"]; print(d["id"], d["url"].split("/images/")[1].split("/")[0])')
code="$(curl -s -o "$work/r.webp" -w '%{http_code}' "http://127.0.0.1:$PORT/images/$pic/480w.webp")"
[[ "$code" == 200 ]] || { echo "rendition: HTTP $code"; cat "$work/server.log"; exit 1; }
echo "uploaded picture $id; 480w.webp served ($(wc -c <"$work/r.webp") bytes); the bucket holds:"
py "[print(' ', o['Key'], o['Size']) for o in s3.list_objects_v2(Bucket='barta-pictures')['Contents']]"
py "keys = [o['Key'] for o in s3.list_objects_v2(Bucket='barta-pictures')['Contents']]; sys.exit(0 if f'news/renditions/$id/480w.webp' in keys else 1)"
echo "OK: originals and renditions are in the bucket"
