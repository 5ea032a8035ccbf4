# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# Cleanup: nothing in the image that must be unique or secret per instance (the first boot
# makes them), nothing of the build host, no caches or logs; and the package manifest.
# machine-id empty: systemd makes one at first boot (and ConditionFirstBoot holds).
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed /var/lib/systemd/credential.secret
# SSH host keys: made by portcullis-firstboot (ssh-keygen -A).
rm -f /etc/ssh/ssh_host_*
# A neutral host name (the wizard sets the real one), not the build host's.
echo portcullis > /etc/hostname
cat > /etc/hosts <<HOSTS
127.0.0.1	localhost
127.0.1.1	portcullis
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
HOSTS
if [ -e /etc/mailname ]; then echo portcullis > /etc/mailname; fi
# No root password: administrators log in as themselves and use sudo. The backups of the
# account files may hold an earlier password (a builder's): gone too.
if [ "$(passwd -S root | cut -d' ' -f2)" != L ]; then passwd -l root >/dev/null; fi
rm -f /etc/shadow- /etc/gshadow- /etc/passwd- /etc/group-
# The list of installed packages, for the build manifest.
if [ -n "$manifest" ]; then
    dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' | LC_ALL=C sort > "$manifest"
fi
# Caches, package lists (apt-get update fetches them again), logs (folders stay: packages
# own them), temporary files, shell history.
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old
find /var/log -type f -delete
# This run's own files may sit in /tmp (a builder stages provisioning/, the package and the
# manifest there): those entries stay, for the builder to take and remove.
rm -f /root/.bash_history
for entry in /tmp/* /tmp/.[!.]* /var/tmp/* /var/tmp/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    keep=0
    for mine in "$here" "${deb:-}" "${manifest:-}"; do
        mine=$(realpath -m "$mine")
        case $mine/ in "$entry"/*) keep=1 ;; esac
    done
    [ "$keep" = 1 ] || rm -rf "$entry"
done
# A chroot's /run is only a folder (a tmpfs hides it at boot): leave it empty but for this run.
if [ "$in_chroot" = 1 ] && ! mountpoint -q /run; then
    find /run -mindepth 1 -maxdepth 1 ! -name "$(basename "$state_dir")" -exec rm -rf {} +
fi
