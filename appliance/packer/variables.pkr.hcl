# Inputs of portcullis.pkr.hcl. Run Packer from the repository root (paths are relative to it):
#   packer build -var deb=build/deb/portcullis_1.2.3_amd64.deb -var version=1.2.3 \
#                -var build_password=$(openssl rand -hex 16) appliance/packer
# See docs/appliance.md ("Building it yourself").

variable "version" {
  type        = string
  description = "The appliance's version: portcullis-VERSION.ova / .vhdx (letters, digits and . + ~ _ -; make-ova checks it)."
}

variable "deb" {
  type        = string
  description = "The portcullis .deb to install (make deb)."
}

variable "build_password" {
  type        = string
  description = "Password of the temporary build user packer-build (SSH during the build only; the account is deleted before the image is shut down). Use a random one."
  sensitive   = true
}

variable "iso_url" {
  type        = string
  description = "The Debian 12 amd64 netinst ISO."
  default     = "https://cdimage.debian.org/cdimage/archive/12.12.0/amd64/iso-cd/debian-12.12.0-amd64-netinst.iso"
}

variable "iso_checksum" {
  type        = string
  description = "Its checksum: file:URL of the SHA256SUMS beside it, or sha256:HEX."
  default     = "file:https://cdimage.debian.org/cdimage/archive/12.12.0/amd64/iso-cd/SHA256SUMS"
}

variable "accelerator" {
  type        = string
  description = "kvm (a host with VT-x/AMD-V exposed) or tcg (software emulation: slow, but works everywhere)."
  default     = "kvm"
  validation {
    condition     = contains(["kvm", "tcg"], var.accelerator)
    error_message = "The accelerator must be kvm or tcg."
  }
}

variable "disk_size" {
  type        = string
  description = "The appliance disk's virtual size."
  default     = "8192M"
}

variable "cpus" {
  type    = number
  default = 2
}

variable "memory" {
  type        = number
  description = "MiB of RAM for the build VM."
  default     = 2048
}

variable "ovmf_code" {
  type        = string
  description = "UEFI firmware code (read-only pflash)."
  default     = "/usr/share/OVMF/OVMF_CODE_4M.fd"
}

variable "ovmf_vars" {
  type        = string
  description = "UEFI variable store template (used through a snapshot: the file is not changed)."
  default     = "/usr/share/OVMF/OVMF_VARS_4M.fd"
}

variable "output_dir" {
  type        = string
  description = "Packer's output folder (the raw disk); must not exist yet. Under build/ (git-ignored)."
  default     = "build/appliance/packer/output"
}

variable "dist_dir" {
  type        = string
  description = "Where make-ova and make-vhdx write the .ova and .vhdx."
  default     = "build/appliance/packer"
}

variable "headless" {
  type    = bool
  default = true
}

variable "boot_wait" {
  type        = string
  description = "Time from power-on to the installer's GRUB menu (longer with tcg)."
  default     = "10s"
}
