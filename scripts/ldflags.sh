#!/bin/sh
# Prints the -ldflags that stamp gatelog's version, commit and build date
# (`gatelog version`): the one definition that `make build` and
# deploy/Dockerfile both use.
#   VERSION  default: git describe --tags --always --dirty, else "dev"
#   COMMIT   default: git rev-parse HEAD, else empty
#   DATE     default: now, UTC, RFC 3339
# Arguments, when given, are VERSION COMMIT DATE and win over the environment
# (an empty one keeps the default).
set -eu
cd "$(dirname "$0")/.."
version=${1:-${VERSION:-}}
commit=${2:-${COMMIT:-}}
date=${3:-${DATE:-}}
[ -n "$version" ] || version=$(git describe --tags --always --dirty 2>/dev/null || true)
[ -n "$version" ] || version=dev
[ -n "$commit" ] || commit=$(git rev-parse HEAD 2>/dev/null || true)
[ -n "$date" ] || date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for v in "$version" "$commit" "$date"; do
  case $v in
  *[!A-Za-z0-9._+:@/-]*) echo "ldflags.sh: $v: only letters, digits and ._+:@/- are allowed" >&2; exit 2 ;;
  esac
done
printf '%s\n' "-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date"
