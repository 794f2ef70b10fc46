#!/usr/bin/env bash
# release-notes.sh VERSION: print CHANGELOG.md's section of VERSION (0.1.0, or Unreleased), without
# its heading: the release notes GoReleaser publishes (.github/workflows/release.yml). Fails when
# the section is missing or empty, so a tag without its changelog section is not released.
set -euo pipefail
version="${1:?usage: release-notes.sh VERSION (X.Y.Z or Unreleased)}"
version="${version#v}"
changelog="${CHANGELOG:-$(dirname "$0")/../CHANGELOG.md}"
notes=$(awk -v v="$version" '
  /^## \[/ { p = index($0, "## [" v "]") == 1; next } # a version heading starts or ends it
  /^\[[^]]+\]: / { p = 0 }                           # the link definitions at the bottom
  p' "$changelog")
if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
  echo "release-notes.sh: $changelog has no section [$version] (or it is empty)" >&2
  exit 1
fi
printf '%s\n' "$notes"
