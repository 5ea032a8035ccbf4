#!/bin/sh
# A configuration migration for the upgrade boot test's bundles: records that it ran, with the
# releases and folders portcullis-upgrade gives it, where the test looks.
set -eu
printf 'from=%s\nto=%s\nconfig=%s\netc=%s\n' "$PORTCULLIS_FROM_VERSION" "$PORTCULLIS_TO_VERSION" \
    "$PORTCULLIS_CONFIG" "$PORTCULLIS_ETC" > /var/lib/portcullis-upgrade/test-migration-ran
