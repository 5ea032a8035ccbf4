# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# SpamAssassin: spamd on 127.0.0.1 only, as debian-spamd (drop-in replacing the package's
# command line), and the daily rule update (sa-update checks its signatures with gnupg).
apt_install spamassassin spamd gnupg
put etc/systemd/system/spamd.service.d/portcullis.conf
enable_units spamd.service spamassassin-maintenance.timer
restart_if_running spamd.service
