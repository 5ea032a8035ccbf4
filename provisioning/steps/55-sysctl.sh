# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# Kernel hardening: /etc/sysctl.d/90-portcullis.conf, applied by systemd-sysctl at boot.
put etc/sysctl.d/90-portcullis.conf
