# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# ClamAV: clamd (socket-activated on /run/clamav/clamd.ctl) and freshclam, which fetches the
# signatures after the first boot; clamd starts once they are there (its unit's condition).
apt_install clamav-daemon clamav-freshclam
enable_units clamav-freshclam.service clamav-daemon.service clamav-daemon.socket
