/**
 * Issue 18 on the path it was reported on: plain HCL through terraform. The DHCP address of a
 * served network (an IPv4 and an IPv6 subnet) moves twice while a VM does full DHCP exchanges;
 * the apply succeeds in one go and every exchange after it is answered by the new address.
 * DHCP addresses a DHCP server may not have are refused at plan, naming the attribute and the
 * value, with nothing changed on the node.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatReport, labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { installProvider } from '../../src/provider/packaging';
import { globalAddresses, inNetns, readPid } from '../support/host-probe';
import { probeDuring } from '../support/probe-change';
import { LAB_NODE_HCL, TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'adprov';
const skip = labUnavailableReason() ?? terraformUnavailableReason();
const NET = 'ad180000-0000-4000-8000-0000000000e2';
const VM_MAC = 'fa:16:3e:18:00:e2';
const VM_IP = '172.16.0.10';

const MAIN_TF = `
${LAB_NODE_HCL}variable "dhcp_ips" { type = list(string) }

resource "dhcpagent_node" "n" {
  node                     = var.node
  monitor_interval_seconds = 3600
}

resource "dhcpagent_network" "net" {
  node                     = var.node
  network_id               = "${NET}"
  bridge                   = var.bridge
  enable_isolated_metadata = true
  dhcp_ip_addresses        = var.dhcp_ips
  subnets = [
    { cidr = "172.16.0.0/24", gateway_ip = "172.16.0.1" },
    { cidr = "fd00:18::/64", gateway_ip = "fd00:18::1", ipv6_address_mode = "dhcpv6-stateful" },
  ]
  depends_on = [dhcpagent_node.n]
}

resource "dhcpagent_port" "vm" {
  node        = var.node
  network_id  = dhcpagent_network.net.network_id
  port_id     = "ad180000-0000-4000-8000-0000000000f1"
  mac_address = "${VM_MAC}"
  fixed_ips   = [{ ip_address = "${VM_IP}" }]
}
`;

let lab: Lab;
let node: LabNode;
let tf: TfDir;
let work: string;

describe('changing the DHCP address of a served network with terraform', { skip }, () => {
  const ns = `qdhcp-${NET}`;
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const ips = (v4: string, v6: string) => ['-var', `dhcp_ips=["${v4}","${v6}"]`];
  const args = (...extra: string[]) => ['-no-color', '-input=false', '-var-file=lab.tfvars.json', ...extra];
  const addrs = () => globalAddresses(ns);

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-addr-'));
    tf = new TfDir(work);
    writeFileSync(join(work, 'main.tf'), MAIN_TF);
    const login = { host: node.address, user: node.user, private_key_path: node.privateKeyPath, known_hosts_path: node.knownHostsPath, state_path: node.statePath };
    writeFileSync(join(work, 'lab.tfvars.json'), JSON.stringify({ node: login, bridge: node.bridge }));
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    tf.must([0], 'init', '-no-color', '-input=false');
    tf.must([0], 'apply', '-auto-approve', ...args(...ips('172.16.0.2', 'fd00:18::2')));
  });
  after(async () => {
    if (tf && existsSync(join(work, 'terraform.tfstate'))) tf.run('destroy', '-auto-approve', ...args(...ips('172.16.0.2', 'fd00:18::2')));
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const [v4, v6] of [
    ['172.16.0.3', 'fd00:18::3'],
    ['172.16.0.4', 'fd00:18::4'],
  ]) {
    it(`moves dhcp_ip_addresses to ${v4} and ${v6} in one apply while a VM does DHCP exchanges`, async (t) => {
      const vm = await lab.addVm({ node: 0, name: 'v1', mac: VM_MAC });
      const pid = readPid(`${dir()}/pid`);
      const { result: r, report, during, after: later, changeMs } = await probeDuring(vm, VM_IP, () => tf.runAsync('apply', '-auto-approve', ...args(...ips(v4, v6))));
      t.diagnostic(`probe: ${formatReport(report)}`);
      t.diagnostic(`terraform apply ${changeMs} ms; failures during the apply: ${during.filter((a) => !a.ok).length} of ${during.length}; longest gap ${report.longestGapMs} ms`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Apply complete! Resources: 0 added, 1 changed, 0 destroyed/);
      for (const a of later) {
        assert.ok(a.ok, `exchange at ${a.startMs} ms, after the apply, failed: ${a.error}`);
        assert.equal(a.serverId, v4, `exchange at ${a.startMs} ms answered by ${a.serverId}`);
      }
      assert.deepEqual(addrs(), ['169.254.169.254/32', `${v4}/24`, `${v6}/64`].sort());
      assert.match(inNetns(ns, 'ip -4 route show default'), /default via 172\.16\.0\.1 /);
      assert.match(inNetns(ns, 'ip -6 route show default'), /default via fd00:18::1 /);
      assert.equal(readPid(`${dir()}/pid`), pid, 'dnsmasq kept');
      // IPv6 (no v6 client in the lab): dnsmasq serves the DHCPv6 range and listens on the new address.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      assert.match(cmdline, /--dhcp-range=set:subnet-[^\0]*,fd00:18::,static,64,/);
      assert.match(inNetns(ns, 'ss -Hlnu sport = :53'), new RegExp(`\\[${v6}\\]:53`));
      assert.match(inNetns(ns, 'ss -Hlnu sport = :547'), /:547/);
      const lease = await vm.dhcp({ timeoutMs: 5000 });
      assert.deepEqual(lease.dns, [v4], 'the DNS server clients get follows');
      assert.match(lease.staticRoutes ?? '', new RegExp(`169\\.254\\.169\\.254/32 ${v4.replace(/\./g, '\\.')}`), 'the metadata route follows');
      const p = tf.run('plan', '-detailed-exitcode', ...args(...ips(v4, v6)));
      assert.equal(p.code, 0, `no drift after the move\n${p.stdout}${p.stderr}`);
    });
  }

  for (const [what, v4, allowed] of [
    ["a client port's address (the port kept on the node)", VM_IP, /an address no client port of the network holds \(port ad180000-0000-4000-8000-0000000000f1 has it\)/],
    ['the gateway', '172.16.0.1', /an address of 172\.16\.0\.0\/24 other than its gateway 172\.16\.0\.1/],
    ['an address outside the subnets', '10.9.9.9', /an address inside one of the network's DHCP-enabled subnets \(172\.16\.0\.0\/24, fd00:18::\/64\)/],
    ['the network address', '172.16.0.0', /other than its network address 172\.16\.0\.0/],
    ['the broadcast address', '172.16.0.255', /other than its broadcast address 172\.16\.0\.255/],
  ] as const) {
    it(`refuses ${what} as a DHCP address at plan, naming dhcp_ip_addresses[0] and the value`, () => {
      const before = addrs();
      const p = tf.run('plan', ...args(...ips(v4, 'fd00:18::4')));
      // Terraform wraps long diagnostics: compare with the line breaks taken out.
      const out = (p.stdout + p.stderr).replace(/\s+/g, ' ');
      assert.equal(p.code, 1, out);
      assert.match(out, /Invalid dhcp_ip_addresses\[0\]/);
      assert.match(out, new RegExp(`dhcp_ip_addresses\\[0\\]: got "${v4.replace(/\./g, '\\.')}"`));
      assert.match(out, allowed);
      assert.doesNotMatch(out, /subnet_id|subnetId/);
      assert.deepEqual(addrs(), before, 'nothing changed on the node');
    });
  }
});
