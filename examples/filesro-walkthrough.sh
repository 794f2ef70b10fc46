#!/usr/bin/env bash
# The files.ro share upload from its docs, typed with curl against a running fileemu (`make run`):
# the seed share "demo" -> the docs' own curl (simple upload) -> a chunked upload the way the
# VueFileManager web client sends it -> browse, navigation tree, VueFileManager's own route -> a visitor
# share refuses -> a protected share unlocks with its cookie.
# Needs curl, jq, split and sha256sum. FILEEMU_URL overrides the emulator's address.
set -euo pipefail
BASE=${FILEEMU_URL:-http://127.0.0.1:8080}
# A session of its own (created on first use), so the walk-through can run again and again.
S="$BASE/_s/filesro-walkthrough-$$"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A small real JPEG (96x64), so the thumbnail URL has something to downscale.
base64 -d > "$WORK/filesro-hero.jpg" <<'JPEG'
/9j/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2MBERIS
GBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY//AABEIAEAAYAMBIgAC
EQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQy
gZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeI
iYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEB
AQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEK
FiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Sl
pqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AOMCU8JUgSnhK+hc
jCMyIJTglShKcEqXI3jMjCU4JUoSnBKhyOiMyMJTglShKcEqHI6IzIglPCVIEp4SpcjeMyIJTwlSBKeEqHI6IzMsJTwlSBKeErZy
PkIzIglPCVIEp4SocjeMyIJTglShKcEqXI6IzIwlOCVKEpwSocjeMyIJTwlShKcEqHI6IzIglPCVIEp4SpcjeMzLCU8JUgSnhK1c
j5CMyIJTwlSBKeEqXI6IzIglOCVKEpwSocjeMyMJTglShKcEqXI6IzIwlOCVKEpwSocjeMyIJTwlSBKeEqHI6IzMwJTglShKcErZ
yPkIzIglPCVIEp4SocjeMyIJTglShKeEqXI6IzIglOCVKEpwSocjeMyMJTglShKcEqHI6IzIglPCVIEp4SpcjeMz/9k=
JPEG

# 1. Every session has the seed shares demo (editor), demo-readonly (visitor), demo-protected (password "secret").
curl -fsS "$S/api/v1/shares/demo" | jq -c '.data.attributes | {token, permission, protected, type}'

# 2. The docs' simple upload, as written (only the host and the file path differ).
curl --location --request POST "$S/api/v1/shares/demo/uploads" \
--header 'Content-Type: multipart/form-data' \
--form 'name=filesro-hero' \
--form "file=@$WORK/filesro-hero.jpg" \
--form 'extension=jpg' > "$WORK/hero.json"
jq -c '.data | {id, type, name: .attributes.name, basename: .attributes.basename, filesize: .attributes.filesize, created_at: .attributes.created_at}' "$WORK/hero.json"
THUMB=$(jq -er .data.attributes.thumbnail "$WORK/hero.json")
echo "thumbnail: $(curl -fsS -o "$WORK/thumb" -w '%{content_type}, %{size_download} bytes' "$THUMB")"

# 3. A chunked upload as the web client does it: sequential chunks sharing one <random>-<name>.part
#    filename, is_last_chunk=1 on the last; path creates the folders Reports and 2024.
head -c 3000000 /dev/urandom > "$WORK/report.pdf"
split -b 1000000 -d "$WORK/report.pdf" "$WORK/chunk-"
PART="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')-report.pdf.part"
CHUNKS=("$WORK"/chunk-*)
for i in "${!CHUNKS[@]}"; do
  LAST=0; [ "$i" -eq $((${#CHUNKS[@]} - 1)) ] && LAST=1
  CODE=$(curl -sS -o "$WORK/chunk.json" -w '%{http_code}' -X POST "$S/api/v1/shares/demo/uploads" \
    -F name=report.pdf -F "chunk=@${CHUNKS[$i]};filename=$PART" -F extension=pdf \
    -F is_last_chunk=$LAST -F path=/Reports/2024/report.pdf)
  echo "chunk $i (is_last_chunk=$LAST): $CODE, $(wc -c < "$WORK/chunk.json") body bytes"
done
URL=$(jq -r .data.attributes.file_url "$WORK/chunk.json")
[ "$(curl -fsS "$URL" | sha256sum)" = "$(sha256sum < "$WORK/report.pdf")" ] && echo "sha256 matches"

# 4. Browse the share as VueFileManager's share page does: folders first, then files, each entry
#    wrapped as {"data":...}, sorted by sort/direction, 50 per page, camelCase meta.paginate.
curl -fsS "$S/api/v1/shares/demo/folders/all?sort=name&direction=ASC&page=1" \
  | jq -r '.data[].data | "\(.type) \(.attributes.name) \(.attributes.filesize)"'
curl -fsS "$S/api/v1/shares/demo/folders/all?page=1" | jq -c '.meta.paginate | {currentPage, lastPage, perPage, total}'
#    The navigation tree the page loads when it opens, and the same listing on VueFileManager's own route.
curl -fsS "$S/api/v1/shares/demo/navigation" | jq -c '.[0].folders[] | {name, folders: [.folders[].name]}'
curl -fsS "$S/api/sharing/folders/all/demo?sort=created_at&direction=DESC&page=1" | jq -r '"vfm route: \(.meta.root.data.attributes.name), \(.data | length) entries"'

# 5. A visitor share refuses uploads.
CODE=$(curl -sS -o "$WORK/denied.json" -w '%{http_code}' "$S/api/v1/shares/demo-readonly/uploads" \
  -F name=x -F "file=@$WORK/filesro-hero.jpg" -F extension=jpg)
echo "visitor: $CODE $(jq -r .message "$WORK/denied.json")"

# 6. A protected share needs the share_session cookie that authenticate sets.
CODE=$(curl -sS -o /dev/null -w '%{http_code}' "$S/api/v1/shares/demo-protected/uploads" \
  -F name=x -F "file=@$WORK/filesro-hero.jpg" -F extension=jpg)
echo "protected without cookie: $CODE"
curl -fsS -c "$WORK/jar" "$S/api/v1/shares/demo-protected/authenticate" \
  -H 'Content-Type: application/json' -d '{"password":"secret"}' > /dev/null
CODE=$(curl -sS -b "$WORK/jar" -o /dev/null -w '%{http_code}' "$S/api/v1/shares/demo-protected/uploads" \
  -F name=x -F "file=@$WORK/filesro-hero.jpg" -F extension=jpg)
echo "protected after unlock: $CODE"
