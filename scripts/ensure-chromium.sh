#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (playwright-core downloads no browser).
# Installs it with apt when it is missing and this user may; otherwise says what to run, and the
# rest of the suite goes on (the browser tests then fail, naming it).
set -uo pipefail
command -v chromium >/dev/null && exit 0
echo "chromium is missing (the console's browser tests need it): installing it with apt-get" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } && exit 0
fi
echo "could not install chromium: run 'apt-get install chromium' as root" >&2
exit "${1:-0}"
