# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# The portcullis package, with apt so its dependencies (MariaDB, whiptail...) come along; its
# postinst makes the portcullis user, the groups, the folders and enables the units.
want=$(dpkg-deb -f "$deb" Version)
have=$(dpkg-query -W -f='${db:Status-Status} ${Version}' portcullis 2>/dev/null || true)
if [ "$have" != "installed $want" ]; then
    apt_update_once
    apt_get install "$(realpath "$deb")"
fi
# The installed release's package is kept: portcullis-upgrade puts it back if an upgrade fails.
install -d -m 0700 /var/lib/portcullis-upgrade
install -D -m 0644 "$deb" "/var/lib/portcullis-upgrade/packages/portcullis_${want}_amd64.deb"
