# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# Unattended upgrades: Debian security updates installed daily, nothing else (the package's
# origins list is replaced by 52portcullis-unattended-upgrades).
apt_install unattended-upgrades
put etc/apt/apt.conf.d/20auto-upgrades
put etc/apt/apt.conf.d/52portcullis-unattended-upgrades
enable_units unattended-upgrades.service apt-daily.timer apt-daily-upgrade.timer
