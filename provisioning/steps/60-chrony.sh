# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# chrony keeps the clock right (TLS certificates, DKIM and SPF timestamps, log times), from
# Debian's NTP pool; it replaces systemd-timesyncd.
apt_install chrony
enable_units chrony.service
