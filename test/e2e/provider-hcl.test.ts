/**
 * The dhcpagent provider driven by the real terraform binary (offline) against a lab node:
 * the HCL example end to end — leases, no-op plans, drift seen by plan and repaired by apply,
 * in-place port changes, import (also of a network neutron's agent set up), destroy.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { SshPool } from '../../src/host';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { installProvider } from '../../src/provider/packaging';
import { inNetns, netnsExists, pidAlive, processesMatching, readPid } from '../support/host-probe';
import { networkSpec, portSpec } from '../support/specs';
import { TfDir, repoRoot, terraformUnavailableReason } from '../support/terraform';

const LAB = 'tprov';
const skip = labUnavailableReason() ?? terraformUnavailableReason();
const NET = '8165bc3d-400a-48a0-9186-bf59f7f94b05';
const VM1_MAC = 'fa:16:3e:65:29:6d';

let lab: Lab;
let node: LabNode;
let tf: TfDir;
let work: string;

function tfvars(n: LabNode): string {
  return [
    `node_host = "${n.address}"`,
    `node_user = "${n.user}"`,
    `private_key_path = "${n.privateKeyPath}"`,
    `known_hosts_path = "${n.knownHostsPath}"`,
    `state_path = "${n.statePath}"`,
    `bridge = "${n.bridge}"`,
    '',
  ].join('\n');
}

describe('dhcpagent provider with terraform on a lab node', { skip }, () => {
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const vars = (...extra: string[]) => ['-var-file=lab.tfvars', ...extra];
  const plan = (...extra: string[]) => tf.run('plan', '-no-color', '-input=false', '-detailed-exitcode', ...vars(...extra));
  const apply = (...extra: string[]) => tf.must([0], 'apply', '-no-color', '-input=false', '-auto-approve', ...vars(...extra));
  const lease = async (mac: string, name: string) => (await lab.addVm({ node: 0, name, mac })).dhcp({ timeoutMs: 5000 });

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-hcl-'));
    tf = new TfDir(work);
    cpSync(join(repoRoot, 'examples', 'hcl', 'main.tf'), join(work, 'main.tf'));
    writeFileSync(join(work, 'lab.tfvars'), tfvars(node));
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
  });
  after(async () => {
    if (tf && existsSync(join(work, 'terraform.tfstate'))) tf.run('destroy', '-no-color', '-auto-approve', ...vars());
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('initialises offline from ./terraform.d/plugins', () => {
    const r = tf.must([0], 'init', '-no-color', '-input=false');
    assert.match(r.stdout, /Installing dhcp-agent\.local\/cdktf\/dhcpagent v0\.1\.0/);
    assert.match(readFileSync(join(work, '.terraform.lock.hcl'), 'utf8'), /h1:/);
  });

  it('applies the example: both VMs get their leases, and a second plan has no changes', async (t) => {
    const r = apply();
    t.diagnostic(`apply of node + network + 2 ports: ${r.ms.toFixed(0)} ms`);
    assert.match(r.stdout, /Apply complete! Resources: 4 added, 0 changed, 0 destroyed/);
    const l1 = await lease(VM1_MAC, 'v1');
    assert.equal(l1.ip, '172.16.0.10');
    assert.equal(l1.hostname, 'vm1');
    assert.equal(l1.mtu, 1500);
    assert.equal((await lease('fa:16:3e:65:29:6e', 'v2')).ip, '172.16.0.11');
    const p = plan();
    t.diagnostic(`no-op plan (refresh of 4 resources): ${p.ms.toFixed(0)} ms`);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.match(p.stdout, /No changes\./);
  });

  const drift = (what: string, tamper: () => void, expected: RegExp): void => {
    it(`shows ${what} as drift (exit code 2) and repairs it`, async () => {
      tamper();
      const p = plan();
      assert.equal(p.code, 2, p.stdout + p.stderr);
      assert.match(p.stdout, /dhcpagent_network\.tenant_a will be updated in-place/);
      assert.match(p.stdout, expected);
      assert.doesNotMatch(p.stdout, /must be replaced/);
      apply();
      assert.equal(plan().code, 0);
      assert.equal((await lease(VM1_MAC, 'v1')).ip, '172.16.0.10');
    });
  };

  drift('a killed dnsmasq', () => process.kill(readPid(`${dir()}/pid`)!, 'SIGKILL'), /dnsmasq is not running/);
  drift('a deleted namespace', () => inNetns(node.netns, `ip netns del qdhcp-${NET}`), /namespace qdhcp-8165bc3d-400a-48a0-9186-bf59f7f94b05 is missing/);
  drift('an edited host file', () => writeFileSync(`${dir()}/host`, 'fa:16:3e:65:29:6d,intruder,172.16.0.99\n'), /file host differs from the 2 port\(s\)/);

  it('changes a port address in place without restarting dnsmasq', async () => {
    // Without per-port options: dnsmasq < 2.91 cannot take a SIGHUP once a host with options
    // (set: tag) has had a lease, and is restarted instead (next test).
    apply('-var', 'pxe=false');
    const pid = readPid(`${dir()}/pid`);
    const p = plan('-var', 'pxe=false', '-var', 'vm1_ip=172.16.0.20');
    assert.equal(p.code, 2);
    assert.match(p.stdout, /dhcpagent_port\.vm1 will be updated in-place/);
    assert.match(p.stdout, /"172\.16\.0\.10" -> "172\.16\.0\.20"/);
    apply('-var', 'pxe=false', '-var', 'vm1_ip=172.16.0.20');
    assert.equal(readPid(`${dir()}/pid`), pid, 'same dnsmasq process');
    assert.equal((await lease(VM1_MAC, 'v1')).ip, '172.16.0.20');
  });

  it('changes a port with DHCP options in place, keeping dnsmasq up and the leases', async () => {
    apply();
    const l = await lease(VM1_MAC, 'v1');
    assert.equal(l.ip, '172.16.0.10');
    assert.equal(l.raw.tftp, '172.16.0.5', 'tftp-server option served');
    assert.equal(l.raw.bootfile, 'pxelinux.0', 'bootfile-name option served');
    apply('-var', 'vm1_ip=172.16.0.21');
    assert.equal((await lease(VM1_MAC, 'v1')).ip, '172.16.0.21');
    assert.equal(plan('-var', 'vm1_ip=172.16.0.21').code, 0, 'dnsmasq is running: no drift');
    assert.match(readFileSync(`${dir()}/leases`, 'utf8'), /fa:16:3e:65:29:6e/, 'the other client keeps its lease');
    apply();
  });

  it('imports an existing network: the plan after import has no changes', () => {
    tf.must([0], 'state', 'rm', 'dhcpagent_network.tenant_a');
    const id = `${node.user}@${node.address}:22/${NET}?private_key_path=${node.privateKeyPath}&known_hosts_path=${node.knownHostsPath}&state_path=${node.statePath}`;
    const r = tf.must([0], 'import', '-no-color', '-input=false', ...vars(), 'dhcpagent_network.tenant_a', id);
    assert.match(r.stdout, /Import successful/);
    const p = plan();
    assert.equal(p.code, 0, p.stdout);
  });

  it('refuses bad input at plan time, naming the attribute, before anything runs', () => {
    const p = plan('-var', 'vm1_ip=10.9.9.9');
    // The port's subnet is only known on the node; the address is refused there, before any change.
    const a = tf.run('apply', '-no-color', '-input=false', '-auto-approve', ...vars('-var', 'vm1_ip=10.9.9.9'));
    assert.equal(p.code, 2);
    assert.notEqual(a.code, 0);
    assert.match(a.stdout + a.stderr, /fixed_ips\[0\]\.ip_address/);
    assert.match(a.stdout + a.stderr, /10\.9\.9\.9/);
    assert.match(readFileSync(`${dir()}/host`, 'utf8'), /172\.16\.0\.10/, 'the node still serves the old address');
    const bad = tf.run('plan', '-no-color', '-input=false', ...vars('-var', 'bridge=bad bridge'));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /Invalid bridge/);
    assert.match(bad.stdout + bad.stderr, /"bad bridge"/);
  });

  it('adopts a network that neutron\'s DHCP agent set up', async () => {
    const neutronNet = 'a9000000-0000-4000-8000-0000000000aa';
    const neutronPath = `${lab.dir}/neutron`;
    const pool = new SshPool();
    const host = pool.get(lab.sshHostConfig(0));
    // Neutron's layout: dhcp/<id>/{host,addn_hosts,opts,leases,pid,interface} and a dnsmasq in
    // qdhcp-<id>. Made here with the agent and stripped of the agent's own files.
    const spec = networkSpec({ ...node, statePath: neutronPath }, { networkId: neutronNet, cidr: '172.18.0.0/24', dnsNameservers: ['172.18.0.1'] });
    await agent.applyNetwork(host, spec);
    await agent.applyPort(host, portSpec(spec, { id: 'c9000000-0000-4000-8000-000000000001', macAddress: 'fa:16:3e:90:00:01', ip: '172.18.0.10' }));
    const neutronPid = readPid(`${neutronPath}/dhcp/${neutronNet}/pid`);
    for (const f of ['network.json', 'setup.sh', 'serial']) unlinkSync(`${neutronPath}/dhcp/${neutronNet}/${f}`);
    rmSync(`${neutronPath}/dhcp/${neutronNet}/parts`, { recursive: true });
    rmSync(`${neutronPath}/dhcp/${neutronNet}/ports`, { recursive: true });
    await pool.closeAll();

    const adopt = new TfDir(join(work, 'adopt'));
    installProvider({ dir: join(adopt.dir, 'terraform.d', 'plugins') });
    writeFileSync(
      join(adopt.dir, 'main.tf'),
      `terraform {
  required_providers {
    dhcpagent = { source = "dhcp-agent.local/cdktf/dhcpagent", version = "0.1.0" }
  }
}
locals {
  node = { host = "${node.address}", user = "${node.user}", private_key_path = "${node.privateKeyPath}", known_hosts_path = "${node.knownHostsPath}", state_path = "${node.statePath}" }
}
resource "dhcpagent_network" "adopted" {
  node             = local.node
  network_id       = "${neutronNet}"
  name             = "test"
  bridge           = "${node.bridge}"
  mtu              = 1500
  dhcp_port_id     = "${spec.dhcpPortId.slice(0, 11)}"
  dhcp_mac_address = "${spec.network.ports[0].macAddress}"
  subnets = [{ id = "${spec.network.subnets[0].id}", cidr = "172.18.0.0/24", gateway_ip = "172.18.0.1", dns_nameservers = ["172.18.0.1"] }]
}
resource "dhcpagent_port" "vm" {
  node        = local.node
  network_id  = dhcpagent_network.adopted.network_id
  port_id     = "c9000000-0000-4000-8000-000000000001"
  mac_address = "fa:16:3e:90:00:01"
  fixed_ips   = [{ ip_address = "172.18.0.10" }]
}
`,
    );
    adopt.must([0], 'init', '-no-color', '-input=false');
    const id = `${node.user}@${node.address}/${neutronNet}?private_key_path=${node.privateKeyPath}&known_hosts_path=${node.knownHostsPath}&state_path=${node.statePath}&neutron_state_path=${neutronPath}`;
    adopt.must([0], 'import', '-no-color', '-input=false', 'dhcpagent_network.adopted', id);
    const p = adopt.run('plan', '-no-color', '-input=false', '-detailed-exitcode');
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, /dhcpagent_network\.adopted will be updated in-place/, 'taking over is an in-place repair, not a replacement');
    assert.doesNotMatch(p.stdout, /must be replaced/);
    adopt.must([0], 'apply', '-no-color', '-input=false', '-auto-approve');
    assert.ok(!pidAlive(neutronPid), "neutron's dnsmasq was replaced by the agent's");
    assert.equal((await lease('fa:16:3e:90:00:01', 'v9')).ip, '172.18.0.10');
    assert.equal(adopt.run('plan', '-no-color', '-input=false', '-detailed-exitcode').code, 0);
    adopt.must([0], 'destroy', '-no-color', '-input=false', '-auto-approve');
    assert.ok(!netnsExists(`qdhcp-${neutronNet}`));
  });

  it('destroys everything: the node is left clean', () => {
    const r = tf.must([0], 'destroy', '-no-color', '-input=false', '-auto-approve', ...vars());
    assert.match(r.stdout, /Destroy complete! Resources: 4 destroyed/);
    assert.ok(!netnsExists(`qdhcp-${NET}`));
    assert.deepEqual(processesMatching(NET), []);
    assert.ok(!existsSync(node.statePath), 'state path removed');
  });
});
