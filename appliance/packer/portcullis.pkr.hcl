# The Portcullis appliance with Packer (1.6.6 or later, HCL2, built-in qemu builder): the Debian
# 12 netinst installer preseeded (http/preseed.cfg) into a raw UEFI/GPT disk, then the same
# provisioning scripts as appliance/build-image, then appliance/make-ova and make-vhdx.
# Variables: variables.pkr.hcl. Run from the repository root: packer build -var ... appliance/packer

locals {
  vm_name = "portcullis-${var.version}.raw"
  disk    = "${var.output_dir}/portcullis-${var.version}.raw"
  # A downloaded ISO lands in iso_copy; a local one (file:// or a path) is used where it is.
  iso_copy = "build/appliance/packer/cache/debian-12-netinst.iso"
  iso_path = substr(var.iso_url, 0, 4) == "http" ? local.iso_copy : replace(var.iso_url, "file://", "")
  deb_name = basename(var.deb)
  # d-i reads preseed answers from the kernel command line too: the build password never sits
  # in a file that is served or kept.
  boot_args = join(" ", [
    "auto=true", "priority=critical", "DEBIAN_FRONTEND=text",
    "url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg",
    "passwd/user-password=${var.build_password}", "passwd/user-password-again=${var.build_password}",
    "console=ttyS0,115200n8", "console=tty0", "---",
  ])
}

source "qemu" "portcullis" {
  iso_url         = var.iso_url
  iso_checksum    = var.iso_checksum
  iso_target_path = local.iso_copy

  output_directory = var.output_dir
  vm_name          = local.vm_name
  format           = "raw"
  disk_size        = var.disk_size
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.accelerator
  machine_type     = "q35"
  cpus             = var.cpus
  memory           = var.memory
  headless         = var.headless

  # Packer 1.6 has no firmware/efi_* options: OVMF comes in as two pflash drives. Giving any
  # -drive replaces Packer's own drive list, so the disk and the installer ISO are named too.
  qemuargs = [
    ["-drive", "if=pflash,unit=0,format=raw,readonly=on,file=${var.ovmf_code}"],
    ["-drive", "if=pflash,unit=1,format=raw,snapshot=on,file=${var.ovmf_vars}"],
    ["-drive", "file=${local.disk},if=virtio,format=raw,cache=unsafe,discard=unmap"],
    ["-drive", "file=${local.iso_path},media=cdrom,readonly=on"],
    ["-serial", "file:${var.output_dir}/serial.log"],
  ]

  http_directory = "appliance/packer/http"
  boot_wait      = var.boot_wait
  # The installer's GRUB menu (UEFI): its command line, then the preseeded automatic install.
  boot_command = [
    "c<wait2>",
    "linux /install.amd/vmlinuz ${local.boot_args}<enter><wait>",
    "initrd /install.amd/initrd.gz<enter><wait>",
    "boot<enter>",
  ]

  communicator = "ssh"
  ssh_username = "packer-build"
  ssh_password = var.build_password
  ssh_timeout  = "90m"
  # The cleanup step: the build user (and with it its password and its sudo rule) is deleted
  # and the machine-id emptied, then the VM powers off. provisioning/provision has removed the
  # other secrets and locked root already.
  shutdown_command = "sudo sh -c 'rm -rf /tmp/provisioning /tmp/${local.deb_name}; rm -f /etc/sudoers.d/packer-build; userdel --force --remove packer-build; : >/etc/machine-id; rm -f /var/lib/dbus/machine-id; sync; poweroff'"
  shutdown_timeout = "15m"
}

build {
  sources = ["source.qemu.portcullis"]

  provisioner "file" {
    source      = var.deb
    destination = "/tmp/${local.deb_name}"
  }

  provisioner "file" {
    source      = "provisioning/"
    destination = "/tmp/provisioning"
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    inline = [
      "set -eu",
      "chmod -R go-w /tmp/provisioning",
      "/tmp/provisioning/provision --deb /tmp/${local.deb_name}",
    ]
  }

  post-processor "shell-local" {
    inline = [
      "appliance/make-ova '${local.disk}' '${var.dist_dir}' '${var.version}'",
      "appliance/make-vhdx '${local.disk}' '${var.dist_dir}' '${var.version}'",
      "appliance/check-ova '${var.dist_dir}/portcullis-${var.version}.ova' --vhdx '${var.dist_dir}/portcullis-${var.version}.vhdx'",
    ]
  }
}
