#!/usr/bin/env bash
# Sign the app and notarise the disk image, when the identities are configured.
#
#   sign_and_notarize.sh app "dist/Snow Wizard.app"    # codesign (hardened runtime)
#   sign_and_notarize.sh dmg dist/snow-wizard-X.dmg     # codesign, notarise, staple
#
# Signing needs   MACOS_SIGN_IDENTITY   e.g. "Developer ID Application: Example (TEAMID)"
#                 (the certificate in the login or a CI keychain)
# Notarising needs MACOS_NOTARY_PROFILE (a `xcrun notarytool store-credentials` profile) or
#                 APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD (an app-specific password).
# Without them this script says what it skipped and exits 0: unsigned builds still work
# locally (Gatekeeper asks the user to confirm the first start).
set -euo pipefail

what="${1:-}"
target="${2:-}"
if [ -z "$what" ] || [ -z "$target" ]; then
  echo "usage: $0 app|dmg PATH" >&2
  exit 2
fi
if [ ! -e "$target" ]; then
  echo "sign_and_notarize: $target does not exist" >&2
  exit 2
fi

here="$(cd "$(dirname "$0")" && pwd)"
entitlements="$here/entitlements.plist"

if [ "$(uname -s)" != "Darwin" ]; then
  echo "sign_and_notarize: skipped: not macOS (codesign and notarytool are macOS tools)"
  exit 0
fi
if [ -z "${MACOS_SIGN_IDENTITY:-}" ]; then
  echo "sign_and_notarize: skipped: MACOS_SIGN_IDENTITY is not set; $target stays unsigned"
  exit 0
fi

sign() {
  codesign --force --timestamp --options runtime --entitlements "$entitlements" \
    --sign "$MACOS_SIGN_IDENTITY" "$@"
}

case "$what" in
  app)
    # Inside-out: every library and executable first, then the bundle itself.
    while IFS= read -r -d '' file; do
      if file -b "$file" | grep -q 'Mach-O'; then sign "$file"; fi
    done < <(find "$target/Contents" -type f \( -perm -u+x -o -name '*.dylib' -o -name '*.so' \) -print0)
    sign "$target"
    codesign --verify --deep --strict --verbose=2 "$target"
    echo "sign_and_notarize: signed $target"
    ;;
  dmg)
    codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$target"
    if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
      xcrun notarytool submit "$target" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
    elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
      xcrun notarytool submit "$target" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
        --password "$APPLE_APP_PASSWORD" --wait
    else
      echo "sign_and_notarize: notarisation skipped: set MACOS_NOTARY_PROFILE or" \
        "APPLE_ID/APPLE_TEAM_ID/APPLE_APP_PASSWORD; $target is signed, not notarised"
      exit 0
    fi
    xcrun stapler staple "$target"
    echo "sign_and_notarize: notarised and stapled $target"
    ;;
  *)
    echo "usage: $0 app|dmg PATH" >&2
    exit 2
    ;;
esac
