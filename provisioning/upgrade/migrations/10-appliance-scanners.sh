#!/bin/sh
# 0.1.x -> 0.2: the gateway uses the appliance's own clamd and spamd (installed since 0.1, not
# used by it). Idempotent; run by portcullis-upgrade after the new package (README.md here).
#  1. The provisioning step "clamav" again: clamd starts with any signature database and as
#     soon as one appears (drop-ins and a path unit, provisioning/steps/30-clamav.sh).
#  2. The bootstrap file gets the [scanners] table the new default file has, unless it names
#     scanners already (dpkg installs the new file itself where the admin never edited it).
#     The result must pass `portcullisd --check-config`, else the file is put back and the
#     migration fails (which rolls the upgrade back).
# PORTCULLIS_PROVISION and PORTCULLISD name other programs for the tests.
set -eu
provision=${PORTCULLIS_PROVISION:-/usr/share/portcullis/provisioning/provision}
portcullisd=${PORTCULLISD:-/usr/sbin/portcullisd}
config=$PORTCULLIS_CONFIG

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

if ! installed clamav-daemon || ! installed spamd; then
    echo "10-appliance-scanners: clamav-daemon or spamd is not installed: [scanners] left as it is"
    exit 0
fi
"$provision" --only clamav

if grep -Eq '^[[:space:]]*(\[[[:space:]]*scanners[[:space:]]*\]|scanners[[:space:]]*[.=])' "$config"; then
    echo "10-appliance-scanners: $config names its scanners already"
    exit 0
fi
backup="$config.before-scanners"
cp -p "$config" "$backup"
cat >> "$config" <<'EOF'

# Added by the upgrade to 0.2 (migration 10-appliance-scanners): the appliance's own virus and
# spam scanners (docs/spam.md). Until clamd has virus signatures, mail is deferred (451).
[scanners]
clamd = "unix:/run/clamav/clamd.ctl"
spamd = "tcp:127.0.0.1:783"
EOF
if ! "$portcullisd" --config "$config" --check-config; then
    mv "$backup" "$config"
    echo "10-appliance-scanners: $config with [scanners] does not pass --check-config; put back" >&2
    exit 1
fi
rm -f "$backup"
echo "10-appliance-scanners: [scanners] added to $config"
