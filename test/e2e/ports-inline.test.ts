/**
 * Ports inline (`dhcpagent_network.ports`) with the real terraform binary against a lab node:
 * moving a network's ports from `dhcpagent_port` resources into the network and back, each in
 * one apply, while a client keeps doing DHCP exchanges (no failure, dnsmasq never restarted, the
 * node's files byte for byte the same in both modes); adding a port reloads dnsmasq; a changed
 * or drifted port, and a port on the node that the network does not list, show in the plan by
 * their ids; a bad inline port is refused at plan, naming it, with nothing changed on the node.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatReport, labDown, labUnavailableReason, labUp, type Lab, type LabNode, type LabVm } from '../../src/lab';
import { installProvider } from '../../src/provider/packaging';
import { readPid } from '../support/host-probe';
import { snapshotNetwork } from '../support/node-snapshot';
import { probeDuring } from '../support/probe-change';
import { LAB_NODE_HCL, TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'pie2e';
const skip = labUnavailableReason() ?? terraformUnavailableReason();
const NET = 'a9000000-0000-4000-8000-000000000001';
const portId = (n: number) => `c9000000-0000-4000-8000-00000000000${n}`;
const mac = (n: number) => `fa:16:3e:90:00:0${n}`;
const ip = (n: number) => `172.16.90.1${n}`;

interface PortDecl {
  readonly n: number;
  readonly hostname?: string;
  readonly mac?: string;
}

/** The configuration: the network, and its ports inline or as dhcpagent_port resources; `forget`: a removed block for the latter. */
function mainTf(mode: 'inline' | 'separate', ports: readonly PortDecl[], forget = false): string {
  const decls = ports.map((p) => `{ id = "${portId(p.n)}", mac_address = "${p.mac ?? mac(p.n)}", fixed_ips = [{ ip_address = "${ip(p.n)}" }], hostname = "${p.hostname ?? `vm${p.n}`}" }`);
  return `${LAB_NODE_HCL}
resource "dhcpagent_node" "n" { node = var.node }
resource "dhcpagent_network" "net" {
  node       = var.node
  network_id = "${NET}"
  bridge     = var.bridge
  subnets    = [{ cidr = "172.16.90.0/24", gateway_ip = "172.16.90.1" }]
  depends_on = [dhcpagent_node.n]
${mode === 'inline' ? `  ports = [\n    ${decls.join(',\n    ')}\n  ]\n` : ''}}
${
  mode === 'separate'
    ? `locals {
  ports = [${decls.join(', ')}]
}
resource "dhcpagent_port" "p" {
  for_each    = { for p in local.ports : p.id => p }
  node        = var.node
  network_id  = dhcpagent_network.net.network_id
  port_id     = each.value.id
  mac_address = each.value.mac_address
  fixed_ips   = each.value.fixed_ips
  hostname    = each.value.hostname
}
`
    : ''
}${forget ? 'removed {\n  from = dhcpagent_port.p\n  lifecycle { destroy = false }\n}\n' : ''}`;
}

let lab: Lab;
let node: LabNode;
let vm1: LabVm;
let tf: TfDir;
let work: string;

describe('ports inline, with terraform', { skip }, () => {
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const configure = (text: string) => writeFileSync(join(work, 'main.tf'), text);
  const plan = () => tf.run('plan', '-no-color', '-input=false', '-detailed-exitcode');
  const apply = () => tf.must([0], 'apply', '-no-color', '-input=false', '-auto-approve');
  const dnsmasqPid = () => readPid(`${dir()}/pid`);
  const snapshot = () => snapshotNetwork(node.netns, node.statePath, NET);
  const three: PortDecl[] = [{ n: 1 }, { n: 2 }, { n: 3 }];

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-inline-'));
    tf = new TfDir(work);
    const vars = {
      node: {
        host: node.address,
        user: node.user,
        private_key_path: node.privateKeyPath,
        known_hosts_path: node.knownHostsPath,
        state_path: node.statePath,
      },
      bridge: node.bridge,
    };
    writeFileSync(join(work, 'terraform.tfvars.json'), JSON.stringify(vars));
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    configure(mainTf('separate', three));
    tf.must([0], 'init', '-no-color', '-input=false');
  });
  after(async () => {
    if (tf && existsSync(join(work, 'terraform.tfstate'))) tf.run('destroy', '-no-color', '-auto-approve');
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let separateSnapshot: Record<string, string>;

  it('separate → inline in one apply: the old port resources forgotten, no failed exchange, dnsmasq kept, the node byte for byte the same', async (t) => {
    apply();
    separateSnapshot = snapshot();
    const pid = dnsmasqPid();
    vm1 = await lab.addVm({ node: 0, name: 'v1', mac: mac(1) });
    configure(mainTf('inline', three, true));
    const { result, report, during } = await probeDuring(vm1, ip(1), () => tf.runAsync('apply', '-no-color', '-input=false', '-auto-approve'));
    t.diagnostic(`separate → inline: ${formatReport(report)}; failures during the apply: ${during.filter((a) => !a.ok).length} of ${during.length}`);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Resources: 0 added, 1 changed, 0 destroyed/);
    assert.equal(report.failures, 0, formatReport(report));
    assert.equal(dnsmasqPid(), pid, 'dnsmasq was not restarted');
    assert.deepEqual(snapshot(), separateSnapshot);
    assert.doesNotMatch(tf.must([0], 'state', 'list').stdout, /dhcpagent_port/);
    // The removed block stays harmless once the resources are gone.
    assert.equal(plan().code, 0);
  });

  it('adding a port reloads dnsmasq (never restarts it); the plan names the port; a client of another port sees no failure', async (t) => {
    const pid = dnsmasqPid();
    configure(mainTf('inline', [...three, { n: 4 }]));
    const p = plan();
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, new RegExp(`\\+ \\{\\n(?:.*\\n){0,12}?\\s+\\+ id\\s+= "${portId(4)}"`));
    assert.match(p.stdout, /# \(3 unchanged elements hidden\)/);
    assert.match(p.stdout, /Plan: 0 to add, 1 to change, 0 to destroy/);
    const { result, report } = await probeDuring(vm1, ip(1), () => tf.runAsync('apply', '-no-color', '-input=false', '-auto-approve'));
    t.diagnostic(`add one inline port: apply ${result.ms.toFixed(0)} ms; other client: ${formatReport(report)}`);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(report.failures, 0);
    assert.equal(dnsmasqPid(), pid, 'dnsmasq was reloaded, not restarted');
    const vm4 = await lab.addVm({ node: 0, name: 'v4', mac: mac(4) });
    assert.equal((await vm4.dhcp()).ip, ip(4));
  });

  it('a changed port shows in the plan by its id', () => {
    configure(mainTf('inline', [{ n: 1 }, { n: 2 }, { n: 3, hostname: 'renamed' }, { n: 4 }]));
    const p = plan();
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, new RegExp(`~ \\{\\n(?:.*\\n){0,3}?\\s+~ hostname\\s+= "vm3" -> "renamed"\\n\\s+id\\s+= "${portId(3)}"`));
    apply();
    assert.match(snapshot().host, new RegExp(`${mac(3)},renamed\\.`));
    assert.equal(plan().code, 0);
  });

  it('a drifted port and a port the network does not list show in the plan by their ids; apply repairs both', () => {
    const stray = 'c9000000-0000-4000-8000-0000000000ff';
    writeFileSync(`${dir()}/ports/${portId(2)}.host`, `${mac(2)},intruder,172.16.90.99\n`);
    for (const [kind, text] of [
      [
        'json',
        JSON.stringify({
          id: stray,
          macAddress: 'fa:16:3e:90:00:ff',
          fixedIps: [],
          deviceOwner: '',
          extraDhcpOpts: [],
        }),
      ],
      ['host', ''],
      ['addn', ''],
      ['opts', ''],
    ]) {
      writeFileSync(`${dir()}/ports/${stray}.${kind}`, text);
    }
    const p = plan();
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, new RegExp(`port ${portId(2)}: the port's host fragment on the node differs from the spec`));
    assert.match(p.stdout, new RegExp(`port ${stray} is on the node but not in the network's ports \\(apply removes it\\)`));
    assert.match(p.stdout, /Plan: 0 to add, 1 to change, 0 to destroy/);
    apply();
    assert.equal(existsSync(`${dir()}/ports/${stray}.json`), false);
    assert.doesNotMatch(snapshot().host, /intruder/);
    assert.equal(plan().code, 0);
  });

  it('a bad inline port is refused at plan, by its place in the list and the field; nothing changes on the node', () => {
    const before = snapshot();
    configure(mainTf('inline', [{ n: 1 }, { n: 2, mac: 'fa:16:3e:zz:00:02' }, { n: 3, hostname: 'renamed' }, { n: 4 }]));
    const p = plan();
    assert.equal(p.code, 1, p.stdout + p.stderr);
    assert.match(p.stderr, /Invalid ports\[1\]\.mac_address/);
    assert.match(p.stderr, /fa:16:3e:zz:00:02/);
    configure(mainTf('inline', [{ n: 1 }, { n: 2, mac: mac(1) }, { n: 3, hostname: 'renamed' }, { n: 4 }]));
    const dup = plan();
    assert.equal(dup.code, 1, dup.stdout + dup.stderr);
    assert.match(dup.stderr, /ports\[1\]\.mac_address/);
    assert.deepEqual(snapshot(), before);
  });

  it('inline → separate in one apply: the new port resources adopt the ports, no failed exchange, dnsmasq kept, the node byte for byte the same', async (t) => {
    const ports = [{ n: 1 }, { n: 2 }, { n: 3, hostname: 'renamed' }, { n: 4 }];
    configure(mainTf('inline', ports));
    assert.equal(plan().code, 0);
    const inlineSnapshot = snapshot();
    const pid = dnsmasqPid();
    configure(mainTf('separate', ports));
    const { result, report } = await probeDuring(vm1, ip(1), () => tf.runAsync('apply', '-no-color', '-input=false', '-auto-approve'));
    t.diagnostic(`inline → separate: ${formatReport(report)}`);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Resources: 4 added, 1 changed, 0 destroyed/);
    assert.equal(report.failures, 0);
    assert.equal(dnsmasqPid(), pid);
    assert.deepEqual(snapshot(), inlineSnapshot);
    assert.equal(plan().code, 0);
  });
});
