# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# SSH for the administrators (group portcullis-admin; never root) and sudo, their way to root
# (root's password is locked). Host keys are made per instance at first boot, not here.
apt_install openssh-server sudo
put etc/ssh/sshd_config.d/50-portcullis.conf
# Check the whole configuration (sshd -t needs a host key: a throw-away one, and its
# privilege separation folder, which a chroot's /run lacks).
install -d -m 0755 /run/sshd
tmpkey=$(mktemp -u)
ssh-keygen -q -t ed25519 -N '' -f "$tmpkey"
sshd -t -f /etc/ssh/sshd_config -h "$tmpkey"
rm -f "$tmpkey" "$tmpkey.pub"
enable_units ssh.service
# Not restarted on a live system: the build's own SSH login (Packer) is no administrator; the
# new settings apply from the appliance's first boot.
