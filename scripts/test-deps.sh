#!/usr/bin/env bash
# The tools the test suite needs besides Go, checked before `make test` and
# by .ci/run (the tests fail, never skip, when one is missing):
#   make, git          the install and packaging tests clone and build
#   rsyslogd           the syslog sink is tested against a real rsyslog
#   rsyslog-gnutls     ... over TLS too (its lmnsd_gtls driver)
#   chromium           the status page is tested in headless Chromium
#   postgresql         the PostgreSQL state store is tested against real
#                      servers that the tests start (initdb, postgres)
#   script (bsdutils)  progress is tested on a pseudo-terminal
# Run as root, it installs what is missing with apt-get; otherwise it stops
# and prints the one command to run.
set -euo pipefail

# check fills need with the Debian packages of the missing tools.
check() {
  need=()
  command -v make >/dev/null 2>&1 || need+=(make)
  command -v git >/dev/null 2>&1 || need+=(git)
  command -v script >/dev/null 2>&1 || need+=(bsdutils)
  if ! command -v rsyslogd >/dev/null 2>&1 && [ ! -x /usr/sbin/rsyslogd ]; then
    need+=(rsyslog)
  fi
  # The TLS driver rsyslogd loads (Debian ships it in rsyslog-gnutls).
  if ! dpkg -s rsyslog-gnutls >/dev/null 2>&1 &&
    ! ls /usr/lib/*/rsyslog/lmnsd_gtls.so /usr/lib/rsyslog/lmnsd_gtls.so >/dev/null 2>&1; then
    need+=(rsyslog-gnutls)
  fi
  # The status-page test runs $CHROMIUM, by default Debian's /usr/bin/chromium.
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
  # internal/testutil/pgtest runs initdb and postgres from Debian's layout
  # (/usr/lib/postgresql/<version>/bin); the tests start their own cluster,
  # so the package's own service is never needed.
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need+=(postgresql)
  fi
}

check
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: the tests need: ${need[*]}" >&2
  if command -v apt-get >/dev/null 2>&1; then
    echo "run:  sudo apt-get install -y ${need[*]}" >&2
  else
    echo "install these with your package manager (they are Debian package names)" >&2
  fi
  exit 1
fi

echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No init system here: keep the package scripts from starting services (only
# when the machine has no policy of its own).
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
fi
trap '[ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${need[@]}"
check
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: still missing after apt-get install: ${need[*]}" >&2
  exit 1
fi
