#!/usr/bin/env bash
# The Haufe Copilot upload flow from its docs, typed with curl against a running fileemu
# (`make run`): signed URL -> PUT -> poll status -> thread -> attach to a message -> list the
# messages; then an infected file. Needs curl and jq. FILEEMU_URL overrides the emulator's address.
set -euo pipefail
# The documented base URL is https://api.haufe.ai/agents: fileemu serves /agents/v1/... and /v1/....
BASE=${FILEEMU_URL:-http://127.0.0.1:8080}/agents
USER_ID=497f6eca-6276-4993-bfeb-53cbbbba6f08
ASSISTANT_ID=a1b2c3d4-5678-9abc-def0-1234567890ab # any UUID is an available assistant
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 1. Request an upload URL.
printf 'Quarterly report: revenue up 12%%.\n' > "$WORK/report.txt"
RESP=$(curl -fsS "$BASE/v1/files/signed-url?filename=report.txt" -H "api-key: my-key" -H "user-id: $USER_ID")
FILE_ID=$(jq -r .file_id <<<"$RESP")
FILE_URL=$(jq -r .file_url <<<"$RESP")
echo "file_id: $FILE_ID"

# 2. Upload the file with HTTP PUT to the presigned URL.
curl -fsS -X PUT --data-binary @"$WORK/report.txt" -H "Content-Type: text/plain" "$FILE_URL"
echo "uploaded"

# 3. Poll the status until processing is complete.
for _ in $(seq 1 20); do
  STATUS=$(curl -fsS "$BASE/v1/files/$FILE_ID/status" -H "api-key: my-key" -H "user-id: $USER_ID" | jq -r .processing_status)
  echo "status: $STATUS"
  [ "$STATUS" = PROCESSED ] && break
done
[ "$STATUS" = PROCESSED ]

# 4. Create a thread for the user (threads take user_id in the body, no user-id header) and
#    attach the file_id to a message.
THREAD_ID=$(curl -fsS -X POST "$BASE/v1/threads" -H "api-key: my-key" -H "Content-Type: application/json" \
  -d "{\"assistant_id\":\"$ASSISTANT_ID\",\"title\":\"Reports\",\"user_id\":\"$USER_ID\"}" | jq -r .id)
echo "thread: $THREAD_ID"
curl -fsS -X POST "$BASE/v1/threads/$THREAD_ID/messages" -H "api-key: my-key" -H "Content-Type: application/json" \
  -d "{\"role\":\"user\",\"content\":\"Summarise the report\",\"attachments\":[{\"file_id\":\"$FILE_ID\"}]}" | jq -c .attachments
echo "attached"
echo "messages: $(curl -fsS "$BASE/v1/threads/$THREAD_ID/messages" -H "api-key: my-key" | jq -c '[.items[] | {role, content}]')"

# 5. The EICAR test file ends FAILED (infected) and cannot be attached.
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$WORK/eicar.txt"
RESP=$(curl -fsS "$BASE/v1/files/signed-url?filename=eicar.txt" -H "api-key: my-key" -H "user-id: $USER_ID")
EICAR_ID=$(jq -r .file_id <<<"$RESP")
curl -fsS -X PUT --data-binary @"$WORK/eicar.txt" "$(jq -r .file_url <<<"$RESP")"
for _ in 1 2; do
  FINAL=$(curl -fsS "$BASE/v1/files/$EICAR_ID/status" -H "api-key: my-key" -H "user-id: $USER_ID")
done
echo "eicar: $(jq -c '{processing_status, warnings}' <<<"$FINAL")"
THREAD2=$(curl -fsS -X POST "$BASE/v1/threads" -H "api-key: my-key" -H "Content-Type: application/json" \
  -d "{\"assistant_id\":\"$ASSISTANT_ID\",\"user_id\":\"$USER_ID\"}" | jq -r .id)
CODE=$(curl -sS -o "$WORK/attach.json" -w '%{http_code}' -X POST "$BASE/v1/threads/$THREAD2/messages" \
  -H "api-key: my-key" -H "Content-Type: application/json" \
  -d "{\"role\":\"user\",\"content\":\"Scan this\",\"attachments\":[{\"file_id\":\"$EICAR_ID\"}]}")
echo "attach eicar: $CODE $(cat "$WORK/attach.json")"
[ "$CODE" = 409 ]
