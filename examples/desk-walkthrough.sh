#!/usr/bin/env bash
# The Teamwork Desk 3-step upload from its docs, typed with curl against a running fileemu
# (`make run`): ref.json -> the docs' own curl form POST to the fake S3 -> PATCH to activate.
# Needs curl and jq. FILEEMU_URL overrides the emulator's address.
set -euo pipefail
BASE=${FILEEMU_URL:-http://127.0.0.1:8080}
TOKEN=my-desk-api-key
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf '\xff\xd8\xff\xe0 not really a jpeg, but bytes are bytes\n' > "$WORK/the_file_name.jpeg"
YOUR_FILE_PATH="$WORK/the_file_name.jpeg"

# 1. Create an authorization.
REF=$(curl -fsS -X POST "$BASE/desk/api/v2/files/ref.json" -H "Authorization: Bearer $TOKEN" \
  -H "Content-Type: application/json" \
  -d '{"type":"attachment","filename":"the_file_name.jpeg","mimeType":"image/jpeg","disposition":"attachment"}')
FILE_ID=$(jq -r .file.id <<<"$REF")
URL=$(jq -r .url <<<"$REF")
param() { jq -r --arg k "$1" '.params[$k]' <<<"$REF"; }
echo "file $FILE_ID is $(jq -r .file.state <<<"$REF")"

# 2. Upload the file with the docs' curl (only the host differs).
curl -X POST \
  "$URL" \
  -H ': ' \
  -H 'cache-control: no-cache' \
  -F Content-Type=image/jpeg \
  -F key="$(param key)" \
  -F policy="$(param policy)" \
  -F success_action_status=201 \
  -F x-amz-algorithm=AWS4-HMAC-SHA256 \
  -F x-amz-credential="$(param x-amz-credential)" \
  -F x-amz-date="$(param x-amz-date)" \
  -F x-amz-signature="$(param x-amz-signature)" \
  -F file=@"$YOUR_FILE_PATH" \
  -F bucket="$(param bucket)"
echo

# 3. Tell Desk the file has been uploaded.
curl -fsS -X PATCH "$BASE/desk/api/v2/files/$FILE_ID.json" -H "Authorization: Bearer $TOKEN" | jq -c '.file | {id, state, size}'

# Tampering fails: the same form with another key is refused.
CODE=$(curl -sS -o "$WORK/denied.xml" -w '%{http_code}' -X POST "$URL" \
  -F Content-Type=image/jpeg -F key="$(param key).exe" -F policy="$(param policy)" \
  -F success_action_status=201 -F x-amz-algorithm=AWS4-HMAC-SHA256 \
  -F x-amz-credential="$(param x-amz-credential)" -F x-amz-date="$(param x-amz-date)" \
  -F x-amz-signature="$(param x-amz-signature)" -F file=@"$YOUR_FILE_PATH")
echo "tampered key: $CODE $(grep -o '<Message>[^<]*' "$WORK/denied.xml" | cut -c10-)"
[ "$CODE" = 403 ]

# The same API as Teamwork's Go SDK (desksdkgo) calls it: Basic auth with the API key as user
# name, the file's fields wrapped in "file" (the SDK adds empty "params").
REF2=$(curl -fsS -u "$TOKEN:X" -X POST "$BASE/desk/api/v2/files/ref.json" -H "Content-Type: application/json" \
  -d '{"params":{},"file":{"id":0,"filename":"notes.txt","mimeType":"text/plain","type":"attachment"},"included":{}}')
NOTES_ID=$(jq -r .file.id <<<"$REF2")
echo "wrapped ref: file $NOTES_ID $(jq -r '.file.filename + " is " + .file.state' <<<"$REF2")"

# Lists take Desk's Mongo-like filter, a sparse fieldset, orderBy and orderMode.
ACTIVE=$(curl -fsS -G -u "$TOKEN:X" "$BASE/desk/api/v2/files.json" \
  --data-urlencode 'filter={"state":{"$eq":"active"}}' --data-urlencode 'fields=filename,state,size' \
  -d orderBy=createdAt -d orderMode=asc | jq -c '.files')
echo "active files: $ACTIVE"
[ "$(jq -r '.[0].filename' <<<"$ACTIVE")" = the_file_name.jpeg ] && [ "$(jq length <<<"$ACTIVE")" = 1 ]

# PUT renames (the SDK's Files.Update sends the whole {"params","file"} object back).
curl -fsS -u "$TOKEN:X" -X PUT "$BASE/desk/api/v2/files/$NOTES_ID.json" -H "Content-Type: application/json" \
  -d '{"file":{"filename":"renamed.txt"}}' | jq -c '.file | {id, filename, fileName}'

# A malformed body is refused in Desk's envelope, naming the field.
CODE=$(curl -sS -o "$WORK/bad.json" -w '%{http_code}' -u "$TOKEN:X" -X POST "$BASE/desk/api/v2/files/ref.json" \
  -H "Content-Type: application/json" -d '{"file":{"filename":"x.txt"}}')
echo "no mimeType: $CODE $(jq -c '.errors[0] | [.code, .source.pointer]' "$WORK/bad.json")"
[ "$CODE" = 400 ]
