# Helpers of provisioning/provision and its steps (sourced, never run). Bash.
# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# Globals the steps may use:
#   $here          the provisioning folder (files/ holds the configuration files)
#   $deb           the portcullis package (package step)
#   $in_chroot     1 when running in a chroot (nothing may start), else 0
#   $state_dir     /run/portcullis-provision: this run's log, backups and hand-overs

state_dir=/run/portcullis-provision

die() { echo "provision: $*" >&2; exit 1; }

# --- steps --------------------------------------------------------------------------------

# All steps, in order: steps/NN-name.sh.
all_steps() { printf '%s\n' "$here"/steps/[0-9][0-9]-*.sh; }
step_name() { local b; b=$(basename "$1" .sh); echo "${b#[0-9][0-9]-}"; }

list_steps() {
    local s
    for s in $(all_steps); do
        printf '%-22s %s\n' "$(step_name "$s")" "$(sed -n '2s/^# *//p' "$s")"
    done
}

# select_steps "a,b" (empty: all): sets the array `steps`, in the order of all_steps.
select_steps() {
    local want=",$1," s n
    steps=()
    if [ -n "$1" ]; then
        for n in ${1//,/ }; do
            [ -f "$(printf '%s\n' "$here"/steps/[0-9][0-9]-"$n".sh)" ] || die "unknown step '$n' (see --list-steps)"
        done
    fi
    for s in $(all_steps); do
        if [ -z "$1" ] || [[ $want == *",$(step_name "$s"),"* ]]; then steps+=("$s"); fi
    done
}

step_selected() {
    local s
    for s in "${steps[@]}"; do [ "$(step_name "$s")" = "$1" ] && return 0; done
    return 1
}

# --- the chroot made by --root --------------------------------------------------------------

chroot_mounts=()

chroot_teardown() {
    local i m
    for ((i = ${#chroot_mounts[@]} - 1; i >= 0; i--)); do
        m=${chroot_mounts[i]}
        umount "$m" 2>/dev/null || umount -l "$m" || echo "provision: could not unmount $m" >&2
    done
    chroot_mounts=()
    rm -rf "${chroot_target:?}$state_dir"
}

# run_in_chroot DIR: stages this folder and the package in DIR, mounts the kernel file systems
# (only those not mounted already, and only those are unmounted again), runs provision inside.
run_in_chroot() {
    chroot_target=$1
    local stage=$chroot_target$state_dir m args
    [ -x "$chroot_target/bin/bash" ] || die "$chroot_target: not a Debian system (no /bin/bash)"
    trap chroot_teardown EXIT
    rm -rf "$stage"
    mkdir -p "$stage"
    cp -a "$here" "$stage/provisioning"
    args=(--only "$(for s in "${steps[@]}"; do step_name "$s"; done | paste -sd,)")
    if [ -n "$deb" ]; then
        cp "$deb" "$stage/"
        args+=(--deb "$state_dir/$(basename "$deb")")
    fi
    [ -z "$manifest" ] || args+=(--manifest "$state_dir/manifest")
    [ "$verbose" = 0 ] || args+=(--verbose)
    # apt inside needs a working resolver: the host's, for the duration (see provision_main).
    cp -L /etc/resolv.conf "$stage/host-resolv.conf" 2>/dev/null || true

    for m in proc sys dev dev/pts; do
        mkdir -p "$chroot_target/$m"
        mountpoint -q "$chroot_target/$m" && continue
        case $m in
        proc) mount -t proc proc "$chroot_target/proc" ;;
        *) mount --bind "/$m" "$chroot_target/$m" ;;
        esac
        chroot_mounts+=("$chroot_target/$m")
    done

    chroot "$chroot_target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LC_ALL=C.UTF-8 PORTCULLIS_PROVISION_CHROOT=1 \
        /bin/bash "$state_dir/provisioning/provision" "${args[@]}"
    [ -z "$manifest" ] || cp "$stage/manifest" "$manifest"
}

# --- the run inside the target --------------------------------------------------------------

# A chroot, or any system whose own systemd is not running (then nothing may start either).
detect_chroot() {
    [ "${PORTCULLIS_PROVISION_CHROOT:-0}" = 1 ] && return 0
    # sd_booted(): systemd runs this very system.
    [ -d /run/systemd/system ] || return 0
    # A chroot of a systemd host that shares its /run (when /proc/1/root can be read).
    command -v systemd-detect-virt >/dev/null && systemd-detect-virt --quiet --chroot 2>/dev/null
}

# In a chroot: no service may start (policy-rc.d 101, honoured by invoke-rc.d and
# deb-systemd-invoke), and apt resolves with the host's resolv.conf.
chroot_begin() {
    if [ -e /usr/sbin/policy-rc.d ]; then mv /usr/sbin/policy-rc.d "$state_dir/policy-rc.d.orig"; fi
    printf '#!/bin/sh\n# provision: no service starts in a chroot\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    if [ -f "$state_dir/host-resolv.conf" ]; then
        rm -f "$state_dir/target-resolv.conf"
        if [ -e /etc/resolv.conf ] || [ -L /etc/resolv.conf ]; then
            cp -a /etc/resolv.conf "$state_dir/target-resolv.conf"
        fi
        rm -f /etc/resolv.conf
        cp "$state_dir/host-resolv.conf" /etc/resolv.conf
    fi
}

chroot_end() {
    rm -f /usr/sbin/policy-rc.d
    if [ -e "$state_dir/policy-rc.d.orig" ]; then mv "$state_dir/policy-rc.d.orig" /usr/sbin/policy-rc.d; fi
    if [ -f "$state_dir/resolv.conf.final" ]; then
        rm -f /etc/resolv.conf
        install -m 0644 "$state_dir/resolv.conf.final" /etc/resolv.conf
    elif [ -f "$state_dir/host-resolv.conf" ]; then
        rm -f /etc/resolv.conf
        if [ -e "$state_dir/target-resolv.conf" ] || [ -L "$state_dir/target-resolv.conf" ]; then
            cp -a "$state_dir/target-resolv.conf" /etc/resolv.conf
        fi
    fi
    rm -f "$state_dir/resolv.conf.final" "$state_dir/target-resolv.conf"
}

provision_finish() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "provision: step ${current_step:-?} failed (exit status $rc)" >&2
        if [ -f "$log" ] && [ "$verbose" = 0 ]; then
            echo "provision: last lines of $log:" >&2
            tail -n 40 "$log" >&2
        fi
    fi
    [ "$in_chroot" = 0 ] || chroot_end
    # Nothing of this run stays in the image (what --root staged here, its creator removes).
    if [ "$rc" -eq 0 ] && [ "$verbose" = 0 ]; then
        rm -f "$log"
        rmdir "$state_dir" 2>/dev/null || true
    fi
    exit "$rc"
}

provision_main() {
    export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
    umask 022
    mkdir -p "$state_dir"
    chmod 0700 "$state_dir"
    in_chroot=0
    if detect_chroot; then in_chroot=1; fi
    log=$state_dir/provision.log
    [ "$verbose" = 0 ] || log=/dev/stderr
    current_step=""
    trap provision_finish EXIT
    [ "$in_chroot" = 0 ] || chroot_begin
    echo "provision: $(. /etc/os-release && echo "$PRETTY_NAME")$([ "$in_chroot" = 1 ] && echo ", in a chroot"), ${#steps[@]} steps"

    local s i=0 t0
    for s in "${steps[@]}"; do
        i=$((i + 1))
        current_step=$(step_name "$s")
        t0=$SECONDS
        [ "$verbose" = 0 ] || echo "provision: --- $current_step" >&2
        # shellcheck source=/dev/null
        . "$s" >>"$log" 2>&1
        printf 'provision: [%2d/%d] %-20s ok (%d s)\n' "$i" "${#steps[@]}" "$current_step" $((SECONDS - t0))
    done
    current_step=""
}

# --- for the steps --------------------------------------------------------------------------

apt_updated=0
apt_get() {
    apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        -o APT::Install-Recommends=false "$@"
}
apt_update_once() {
    if [ "$apt_updated" = 0 ]; then apt_get update; apt_updated=1; fi
}
# apt_install PKG...: installs those not installed yet (no download when all are).
apt_install() {
    local p missing=()
    for p in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then missing+=("$p"); fi
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    apt_update_once
    apt_get install "${missing[@]}"
}

# put PATH [MODE]: installs files/PATH as /PATH, root-owned (replacing what is there).
put() {
    install -D -m "${2:-0644}" -o root -g root "$here/files/$1" "/$1"
}

# enable_units UNIT...: enabled at boot (systemctl works offline in a chroot); never started here.
enable_units() {
    systemctl enable --quiet "$@"
}

# running_systemd: true on a live system with systemd (where changed services are restarted).
running_systemd() {
    [ "$in_chroot" = 0 ] && [ -d /run/systemd/system ]
}

# restart_if_running UNIT: picks up new configuration on a live system; no-op in a chroot.
restart_if_running() {
    if running_systemd; then
        systemctl daemon-reload
        systemctl try-restart "$1"
    fi
}
