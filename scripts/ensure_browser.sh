#!/usr/bin/env bash
# Make sure the E2E suites have a Chromium to drive.
#   DOCMIND_CHROMIUM=/path/to/chromium   use that binary
#   DOCMIND_CHROMIUM=bundled             use Playwright's own download (`playwright install chromium`)
# Otherwise a system chromium on PATH is used; when missing and we are root on Debian/Ubuntu,
# it is installed from the OS packages.
set -euo pipefail

if [[ "${DOCMIND_CHROMIUM:-}" == "bundled" ]]; then
  exit 0
fi
if [[ -n "${DOCMIND_CHROMIUM:-}" ]]; then
  if [[ -x "${DOCMIND_CHROMIUM}" ]]; then exit 0; fi
  echo "DOCMIND_CHROMIUM=${DOCMIND_CHROMIUM} is not an executable file." >&2
  exit 1
fi
for candidate in chromium chromium-browser chromium-headless-shell; do
  if command -v "$candidate" >/dev/null 2>&1; then exit 0; fi
done
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium from the OS packages (apt-get install chromium)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
cat >&2 <<'MSG'
No Chromium found for the browser tests. Provide one of:
  - a system package:  sudo apt-get install chromium   (puts `chromium` on PATH)
  - a binary:          export DOCMIND_CHROMIUM=/path/to/chromium
  - Playwright's own:  uv run playwright install chromium && export DOCMIND_CHROMIUM=bundled
MSG
exit 1
