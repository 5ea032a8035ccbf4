# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# nftables: inbound closed except mail (25, 587) from anywhere and SSH/HTTPS (22, 443) from the
# admin networks (sets admin_nets, admin_nets6 in /etc/nftables.conf); loaded at boot.
apt_install nftables
put etc/nftables.conf 0755
enable_units nftables.service
# A live system keeps its rules until the next boot (a provisioning SSH session stays up).
