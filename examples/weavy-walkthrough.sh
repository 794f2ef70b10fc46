#!/usr/bin/env bash
# The Weavy files flow, typed with curl against a running fileemu (`make run`): create a Files
# app -> upload a blob -> create a file -> 409 on the same name -> replace -> update with backup
# -> revisions -> restore revision 1 -> trash -> restore -> delete; then a message attachment,
# bad input, an EICAR blob, and what the UI kit needs (a user's access token, its first calls).
# Needs curl and jq. FILEEMU_URL overrides the emulator's address.
set -euo pipefail
BASE=${FILEEMU_URL:-http://127.0.0.1:8080}
AUTH="Authorization: Bearer my-weavy-key"
JSON="Content-Type: application/json"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
w() { curl -fsS -H "$AUTH" "$@"; }                 # a call that must succeed
code() { curl -sS -o "$WORK/out.json" -w '%{http_code}' -H "$AUTH" "$@"; }  # status; body in out.json

# 1. A Files app, by uid (PUT upserts: 201 the first time, 200 after).
w -X PUT "$BASE/api/apps/acme-files" -H "$JSON" -d '{"type":"files","name":"ACME files"}' | jq -c '{id, uid, type}'

# 2. Upload content as a blob (multipart field "blob"), then make it a file of the app.
printf 'Quarterly report, draft 1\n' > "$WORK/report.txt"
BLOB1=$(w -F blob=@"$WORK/report.txt" "$BASE/api/blobs")
echo "blob: $(jq -c . <<<"$BLOB1")"
FILE=$(w -X POST "$BASE/api/apps/acme-files/files" -H "$JSON" \
  -d "{\"blob_id\":$(jq .id <<<"$BLOB1"),\"tags\":[\"finance\"],\"metadata\":{\"owner\":\"ann\"}}")
FILE_ID=$(jq .id <<<"$FILE")
echo "file: $(jq -c '{id, rev, name, kind, media_type, preview_format, size}' <<<"$FILE")"

# 3. The same name again is a conflict; replace: true adds a revision to the existing file (200).
printf 'Quarterly report, draft 2 (longer)\n' > "$WORK/report.txt"
BLOB2=$(w -F blob=@"$WORK/report.txt" "$BASE/api/blobs" | jq .id)
echo "same name: $(code -X POST "$BASE/api/apps/acme-files/files" -H "$JSON" -d "{\"blob_id\":$BLOB2}") $(jq -r .detail "$WORK/out.json")"
echo "replace: $(code -X POST "$BASE/api/apps/acme-files/files" -H "$JSON" -d "{\"blob_id\":$BLOB2,\"replace\":true}") rev $(jq .rev "$WORK/out.json")"

# 4. Update with new content and backup: true keeps the previous revision.
printf 'Quarterly report, final\n' > "$WORK/final.txt"
BLOB3=$(w -F blob=@"$WORK/final.txt" "$BASE/api/blobs" | jq .id)
w -X PATCH "$BASE/api/files/$FILE_ID" -H "$JSON" -d "{\"blob_id\":$BLOB3,\"backup\":true}" | jq -c '{rev, size}'
echo "revisions: $(w "$BASE/api/files/$FILE_ID/versions" | jq -c '[.data[] | {rev, size}]')"

# 5. Restore revision 1: a new revision with its content, history kept (204).
w -X POST "$BASE/api/files/$FILE_ID/versions/1/restore"
CURRENT=$(w "$BASE/api/files/$FILE_ID")
echo "after restore: rev $(jq .rev <<<"$CURRENT"), content: $(curl -fsS "$(jq -r .download_url <<<"$CURRENT")")"

# 6. Trash: gone from the listing unless trashed=true (or null for both); restore; delete.
w -X POST "$BASE/api/files/$FILE_ID/trash"
echo "listed: $(w "$BASE/api/apps/acme-files/files" | jq -c .)"
echo "listed with trashed=true: $(w "$BASE/api/apps/acme-files/files?trashed=true" | jq -c '{ids: [.data[].id], count}')"
w -X POST "$BASE/api/files/$FILE_ID/restore"
echo "restored: $(w "$BASE/api/files/$FILE_ID" | jq -c '{id, is_trashed}')"
w -X DELETE "$BASE/api/files/$FILE_ID"
echo "deleted: $(code "$BASE/api/files/$FILE_ID?trashed=true")"

# 7. A chat message with attachments, listed through the message.
w -X PUT "$BASE/api/apps/acme-chat" -H "$JSON" -d '{"type":"chat"}' >/dev/null
MSG=$(w -X POST "$BASE/api/apps/acme-chat/messages" -H "$JSON" -d "{\"text\":\"see attached\",\"blobs\":[$BLOB2,$BLOB3]}" | jq .id)
echo "attachments: $(w "$BASE/api/messages/$MSG/attachments?order_by=id+desc" | jq -c '{names: [.data[] | .name + " (" + .parent.type + ")"], count}')"

# 8. Bad input answers RFC 7807 problems: 422 lists every field, 401 without a token.
echo "bad list: $(code "$BASE/api/files?take=0&order_by=bogus") $(jq -c .errors "$WORK/out.json")"
echo "no token: $(curl -sS -o /dev/null -w '%{http_code}' "$BASE/api/files")"

# 9. The EICAR test file is refused (409) and nothing is stored.
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$WORK/eicar.txt"
echo "eicar blob: $(code -F blob=@"$WORK/eicar.txt" "$BASE/api/blobs") $(jq -r .title "$WORK/out.json")"

# 10. What the UI kit needs: a backend syncs its user and gets their access token (wyu_..., bound
#     to the user; the kit refuses other tokens); the kit then loads the user, upserts its app with
#     the type as GUID (answers name types by GUID too) and lists; unknown routes are problems.
w -X PUT "$BASE/api/users/ada" -H "$JSON" -d '{"name":"Ada Lovelace","email":"ada@example.com"}' | jq -c '{id, uid, name}'
TOKEN=$(w -X POST "$BASE/api/users/ada/tokens" -H "$JSON" -d '{"expires_in":3600}' | jq -r .access_token)
echo "token: ${TOKEN:0:4}..."
ADA="Authorization: Bearer $TOKEN"
echo "me: $(curl -fsS -H "$ADA" "$BASE/api/user" | jq -c '{id, uid, name}')"
echo "kit app: $(curl -fsS -X PUT -H "$ADA" -H "$JSON" "$BASE/api/apps/kit-files" -d '{"type":"523edd88-4bbf-4547-b60f-2859a6d2ddc1"}' | jq -c '{id, uid, type}')"
KITBLOB=$(curl -fsS -H "$ADA" -F blob=@"$WORK/final.txt" "$BASE/api/blobs" | jq .id)
echo "uploaded by: $(curl -fsS -X POST -H "$ADA" -H "$JSON" "$BASE/api/apps/kit-files/files" -d "{\"blob_id\":$KITBLOB}" | jq -c '.created_by | {uid, name}')"
w -X POST "$BASE/api/apps/init" -H "$JSON" -d '{"app":{"uid":"kit-chat","type":"chat"},"user":{"uid":"ada"}}' >/dev/null
curl -fsS -X POST -H "$ADA" -H "$JSON" "$BASE/api/apps/kit-chat/messages" -d "{\"text\":\"hi\",\"blobs\":[$KITBLOB]}" >/dev/null
echo "chat: $(curl -fsS -H "$ADA" "$BASE/api/apps/kit-chat/messages?order_by=id+desc&skip=0" | jq -c '{count, first: .data[0] | {text, by: .created_by.uid, files: [.attachments.data[].name]}}')"
echo "apps: $(w "$BASE/api/apps?type=files" | jq -c '[.data[].uid]')"
echo "unknown route: $(curl -sS -o "$WORK/out.json" -w '%{http_code}' -H "$ADA" "$BASE/api/notifications") $(jq -c '{title, detail}' "$WORK/out.json")"
