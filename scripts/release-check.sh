#!/usr/bin/env bash
# release-check.sh: check the release configuration as far as a machine without a registry and
# without buildx allows (make release-check; CI runs it from .ci/run):
#   1. actionlint on .github/workflows;
#   2. goreleaser check (.goreleaser.yaml valid, nothing deprecated);
#   3. CHANGELOG.md has an [Unreleased] section the release notes can be taken from;
#   4. goreleaser release --snapshot --clean: every binary, archive and checksum of a release,
#      and both images, into dist/ and the local Docker engine (nothing is published);
#   5. what it made: checksums match, every binary static (CGO_ENABLED=0) for its platform with
#      the version stamped, each image's architecture its platform's (docker image inspect),
#      the amd64 image runs.
# GORELEASER and ACTIONLINT name the tools (make release-tools builds them). The snapshot images
# are removed at the end (see remove_snapshot_images).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${GORELEASER:?GORELEASER names the goreleaser binary (make release-check sets it)}"
: "${ACTIONLINT:?ACTIONLINT names the actionlint binary (make release-check sets it)}"
GO="${GO:-go}"
step() { printf '\n== release-check: %s (%ss)\n' "$1" "$SECONDS"; }
fail() { echo "release-check: $*" >&2; exit 1; }

actionlint_version=$("$ACTIONLINT" -version)
step "actionlint ${actionlint_version%%$'\n'*}"
# With shellcheck installed, actionlint checks the run: scripts too.
"$ACTIONLINT" -no-color
echo "workflows: ok:" .github/workflows/*.yml

step "goreleaser check"
"$GORELEASER" check

step "release notes"
scripts/release-notes.sh Unreleased >/dev/null && echo "CHANGELOG.md: [Unreleased] has notes"

# Snapshot images, of this run or one cut short: always removed (with their intermediate
# images). Without BuildKit the build cache ignores the platform, so an arm64 layer left behind
# could be reused by the next amd64 `make image`.
snapshot_images() { docker images -q --filter 'reference=ghcr.io/fileemu/fileemu:*-SNAPSHOT-*' | sort -u; }
remove_snapshot_images() {
  local ids
  ids=$(snapshot_images)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086 # one id a word
    docker image rm -f $ids >/dev/null
  fi
}
remove_snapshot_images
trap remove_snapshot_images EXIT

step "goreleaser release --snapshot --clean"
# GoReleaser reads the commit only when `git ls-remote --get-url` names a remote; a clone made
# without one (a git worktree, a CI checkout of a bundle) would be stamped "none". Give it the
# project's URL through the environment, never in the repository's configuration.
if ! git ls-remote --get-url >/dev/null 2>&1; then
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/fileemu/fileemu.git
fi
# The image builder is plain `docker build --platform` (use: docker): no buildx, no BuildKit.
DOCKER_BUILDKIT=0 "$GORELEASER" release --snapshot --clean

step "what the snapshot made"
[ -f dist/artifacts.json ] || fail "dist/artifacts.json is missing"
version=$(jq -r .version dist/metadata.json)
(cd dist && sha256sum --quiet -c checksums.txt) || fail "dist/checksums.txt does not match the archives"
echo "checksums.txt: $(wc -l <dist/checksums.txt) archives, all match"

want_platforms="darwin/amd64 darwin/arm64 linux/amd64 linux/arm64 windows/amd64 windows/arm64"
platforms=$(jq -r '[.[] | select(.type == "Binary") | .goos + "/" + .goarch] | sort | join(" ")' dist/artifacts.json)
[ "$platforms" = "$want_platforms" ] || fail "binaries for [$platforms], want [$want_platforms]"
archives=$(jq '[.[] | select(.type == "Archive")] | length' dist/artifacts.json)
[ "$archives" = 6 ] || fail "$archives archives, want 6"
while IFS=$'\t' read -r path goos goarch; do
  info=$("$GO" version -m "$path")
  for want in "build	CGO_ENABLED=0" "build	GOOS=$goos" "build	GOARCH=$goarch"; do
    grep -qF "$want" <<<"$info" || fail "$path: go version -m lacks '$want':
$info"
  done
  # -trimpath keeps -ldflags out of the build info: look for the stamped string itself.
  grep -aqF "v$version" "$path" || fail "$path: the version v$version is not stamped in"
  echo "$path: $goos/$goarch, static, v$version"
done < <(jq -r '.[] | select(.type == "Binary") | [.path, .goos, .goarch] | @tsv' dist/artifacts.json)
# The whole output, then its first line: `| head -1` closes the pipe early, and the writer's
# broken pipe fails the script under pipefail.
first=$(dist/fileemu_linux_amd64_v1/fileemu version)
first=${first%%$'\n'*}
[ "$first" = "fileemu v$version" ] || fail "the linux/amd64 binary says '$first', want 'fileemu v$version'"

images=()
while IFS=$'\t' read -r image goos goarch; do
  images+=("$image")
  got=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$image")
  [ "$got" = "$goos/$goarch" ] || fail "$image is $got, want $goos/$goarch"
  labels=$(docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.licenses"}} {{index .Config.Labels "org.opencontainers.image.version"}}' "$image")
  [ "$labels" = "Apache-2.0 v$version" ] || fail "$image labels licenses/version '$labels', want 'Apache-2.0 v$version'"
  echo "$image: $got, licenses Apache-2.0, version v$version"
done < <(jq -r '.[] | select(.type == "Docker Image") | [.name, .goos, .goarch] | @tsv' dist/artifacts.json)
[ "${#images[@]}" = 2 ] || fail "${#images[@]} images, want 2 (linux/amd64, linux/arm64)"
amd64="${images[0]}"
for i in "${images[@]}"; do [[ "$i" == *-amd64 ]] && amd64="$i"; done
out=$(docker run --rm "$amd64" version)
out=${out%%$'\n'*}
[ "$out" = "fileemu v$version" ] || fail "docker run $amd64 version says '$out'"
echo "docker run $amd64 version: $out"

step "ok"
