# Plain Terraform (HCL) with the dhcpagent provider: one node, one network, two ports.
#
#   npx -y -p cdktf-dhcp-agent dhcp-agent provider install   # lays the provider into ./terraform.d/plugins
#   terraform init && terraform apply
#
# The variables describe how to reach the node (a terraform.tfvars file); for a lab node
# `dhcp-agent lab tfvars --name <lab> > terraform.tfvars` writes them.

terraform {
  required_providers {
    dhcpagent = {
      source  = "dhcp-agent.local/cdktf/dhcpagent"
      version = "0.1.0"
    }
  }
}

variable "node_host" { type = string }
variable "node_user" {
  type    = string
  default = "root"
}
variable "private_key_path" { type = string }
variable "known_hosts_path" { type = string }
variable "state_path" {
  type    = string
  default = "/var/lib/dhcp-agent"
}
variable "bridge" { type = string }
variable "vm1_ip" {
  type    = string
  default = "172.16.0.10"
}
variable "pxe" {
  description = "Give vm1 PXE boot options (tftp-server, bootfile-name)."
  type        = bool
  default     = true
}

locals {
  node = {
    host             = var.node_host
    user             = var.node_user
    private_key_path = var.private_key_path
    known_hosts_path = var.known_hosts_path
    state_path       = var.state_path
  }
}

resource "dhcpagent_node" "node1" {
  node = local.node
}

resource "dhcpagent_network" "tenant_a" {
  node       = local.node
  network_id = "8165bc3d-400a-48a0-9186-bf59f7f94b05"
  bridge     = var.bridge
  mtu        = 1500
  subnets = [{
    cidr             = "172.16.0.0/24"
    gateway_ip       = "172.16.0.1"
    dns_nameservers  = ["172.16.0.1"]
    allocation_pools = [{ start = "172.16.0.2", end = "172.16.0.254" }]
  }]
  depends_on = [dhcpagent_node.node1]
}

resource "dhcpagent_port" "vm1" {
  node        = local.node
  network_id  = dhcpagent_network.tenant_a.network_id
  port_id     = "5e0e4a3b-1c1f-4a5e-9f7e-0b6d2a1c9e01"
  mac_address = "fa:16:3e:65:29:6d"
  fixed_ips   = [{ ip_address = var.vm1_ip }]
  hostname    = "vm1"
  extra_dhcp_opts = var.pxe ? [
    { opt_name = "tftp-server", opt_value = "172.16.0.5" },
    { opt_name = "bootfile-name", opt_value = "pxelinux.0" },
  ] : []
}

resource "dhcpagent_port" "vm2" {
  node        = local.node
  network_id  = dhcpagent_network.tenant_a.network_id
  port_id     = "5e0e4a3b-1c1f-4a5e-9f7e-0b6d2a1c9e02"
  mac_address = "fa:16:3e:65:29:6e"
  fixed_ips   = [{ ip_address = "172.16.0.11" }]
}

output "namespace" { value = dhcpagent_network.tenant_a.namespace }
output "dhcp_addresses" { value = dhcpagent_network.tenant_a.addresses }
