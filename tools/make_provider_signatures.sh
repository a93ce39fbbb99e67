#!/usr/bin/env bash
# Signs the test provider tree (fixtures/hub/provider) with a throwaway OpenPGP key, as a CSAF
# provider signs its documents (detached, armored `.asc`), and writes the public key beside it.
# Also writes a second key that signed nothing, for the "signed by another key" test. The
# keys are made fresh on each run; commit the results. Needs gpg.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/hub/provider"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export GNUPGHOME=$home
gpg --batch --quiet --passphrase '' --quick-gen-key 'Mamori test provider <psirt@example.jp>' ed25519 sign never
gpg --batch --quiet --passphrase '' --quick-gen-key 'Someone else <other@example.jp>' ed25519 sign never
gpg --batch --armor --export 'psirt@example.jp' > provider-key.asc
gpg --batch --armor --export 'other@example.jp' > other-key.asc
for f in white/*/*.json; do
  rm -f "$f.asc"
  gpg --batch --quiet --local-user 'psirt@example.jp' --armor --detach-sign --output "$f.asc" "$f"
done
ls -l provider-key.asc other-key.asc white/*/*.asc
