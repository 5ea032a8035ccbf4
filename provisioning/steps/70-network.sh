# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# systemd-networkd configures the network: DHCP on every Ethernet interface until the
# first-boot wizard writes 10-portcullis.network (which takes precedence).
apt_install systemd
put etc/systemd/network/99-portcullis-default.network
enable_units systemd-networkd.service
# ifupdown (if the base system has it) would fight networkd over the same interfaces.
if [ -e /lib/systemd/system/networking.service ]; then
    systemctl disable --quiet networking.service
fi
