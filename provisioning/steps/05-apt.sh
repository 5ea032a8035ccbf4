# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# APT sources: Debian's security and updates suites besides the release (the base system may
# only have the release), and the base system upgraded, so every package is the patched one.
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
if ! grep -rqs -- "$codename-security" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat > /etc/apt/sources.list.d/portcullis-security.sources <<SOURCES
# Portcullis appliance: security updates (installed daily by unattended-upgrades).
Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt_updated=0
fi
if ! grep -rqs -- "$codename-updates" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # The same mirror as the release (the first non-security source).
    mirror=$(sed -nE 's/^deb(\s+\[[^]]*\])?\s+(\S+)\s.*/\2/p; s/^URIs:\s*(\S+).*/\1/p' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
        2>/dev/null | grep -v security | head -n1 || true)
    cat > /etc/apt/sources.list.d/portcullis-updates.sources <<SOURCES
# Portcullis appliance: stable updates (time zone data, virus scanner engine…).
Types: deb
URIs: ${mirror:-http://deb.debian.org/debian/}
Suites: $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt_updated=0
fi
apt_update_once
# What the base system has in an older version than the security and updates suites.
apt_get upgrade
