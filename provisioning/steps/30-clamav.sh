# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# ClamAV: clamd (socket-activated on /run/clamav/clamd.ctl) and freshclam, which fetches the
# signatures after the first boot. clamd runs once any signature database is there: drop-ins
# relax Debian's condition (official main + daily databases) and a path unit starts clamd when
# the first database appears (docs/appliance.md, "Virus signatures").
apt_install clamav-daemon clamav-freshclam
put etc/systemd/system/clamav-daemon.service.d/portcullis.conf
put etc/systemd/system/clamav-daemon.socket.d/portcullis.conf
put etc/systemd/system/portcullis-clamav-signatures.path
enable_units clamav-freshclam.service clamav-daemon.service clamav-daemon.socket portcullis-clamav-signatures.path
if running_systemd; then
    systemctl daemon-reload
    systemctl start portcullis-clamav-signatures.path
fi
