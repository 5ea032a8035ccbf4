# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# Guest tools of each hypervisor, each started only on its own: VMware (open-vm-tools),
# Hyper-V (hyperv-daemons: KVP carries first-boot answers), KVM/QEMU (qemu-guest-agent).
apt_install open-vm-tools hyperv-daemons qemu-guest-agent
while read -r virt units; do
    for unit in $units; do
        mkdir -p "/etc/systemd/system/$unit.d"
        # Several hypervisor names (a|b) become triggering conditions: any one suffices.
        {
            printf '%s\n' "# Portcullis appliance: only on $virt." "[Unit]"
            if [[ $virt == *"|"* ]]; then
                for v in ${virt//|/ }; do printf 'ConditionVirtualization=|%s\n' "$v"; done
            else
                printf 'ConditionVirtualization=%s\n' "$virt"
            fi
        } > "/etc/systemd/system/$unit.d/portcullis-virt.conf"
    done
done <<UNITS
vmware open-vm-tools.service vgauth.service
microsoft hv-kvp-daemon.service hv-vss-daemon.service hv-fcopy-daemon.service
kvm|qemu qemu-guest-agent.service
UNITS
enable_units open-vm-tools.service hv-kvp-daemon.service hv-vss-daemon.service hv-fcopy-daemon.service
