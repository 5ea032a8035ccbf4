# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# unbound, the local validating resolver (127.0.0.1 and ::1 only, DNSSEC with the root trust
# anchor), and /etc/resolv.conf pointing at it. Late on purpose: on a live system apt resolves
# through it from here on. In a chroot the file is put in place at the very end (apt still
# needs the host's resolver until then).
apt_install unbound dns-root-data
put etc/unbound/unbound.conf.d/portcullis.conf
# The root trust anchor from dns-root-data (what the unit does before each start; unbound
# keeps it current by RFC 5011 from then on), so the configuration can be checked here.
/usr/libexec/unbound-helper root_trust_anchor_update
unbound-checkconf >/dev/null
enable_units unbound.service
restart_if_running unbound.service
if [ "$in_chroot" = 1 ]; then
    install -m 0644 "$here/files/etc/resolv.conf" "$state_dir/resolv.conf.final"
else
    rm -f /etc/resolv.conf
    put etc/resolv.conf
fi
