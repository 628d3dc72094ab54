/**
 * The refresh's gathering (one script per node per Terraform operation, src/agent/gather.ts)
 * with the real terraform binary against a lab node: three networks of four ports each; a
 * change made on the node between two commands is always seen by the second — an edited port
 * fragment and a killed dnsmasq in the same plan, each on its own resource, then a port's files
 * removed between two plans — and apply repairs it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { installProvider } from '../../src/provider/packaging';
import { readPid } from '../support/host-probe';
import { LAB_NODE_HCL, TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'gate2e';
const skip = labUnavailableReason() ?? terraformUnavailableReason();
const netId = (n: number) => `a8000000-0000-4000-8000-00000000000${n}`;
const portId = (n: number, p: number) => `c8000000-0000-4000-8000-0000000000${n}${p}`;

const MAIN_TF = `
${LAB_NODE_HCL}locals {
  nets  = { for n in [1, 2, 3] : tostring(n) => n }
  ports = { for pair in setproduct([1, 2, 3], [1, 2, 3, 4]) : "\${pair[0]}-\${pair[1]}" => { net = pair[0], port = pair[1] } }
}
resource "dhcpagent_node" "n" { node = var.node }
resource "dhcpagent_network" "net" {
  for_each   = local.nets
  node       = var.node
  network_id = "a8000000-0000-4000-8000-00000000000\${each.value}"
  bridge     = var.bridge
  subnets    = [{ cidr = "172.16.8\${each.value}.0/24", gateway_ip = "172.16.8\${each.value}.1" }]
  depends_on = [dhcpagent_node.n]
}
resource "dhcpagent_port" "p" {
  for_each    = local.ports
  node        = var.node
  network_id  = dhcpagent_network.net[tostring(each.value.net)].network_id
  port_id     = "c8000000-0000-4000-8000-0000000000\${each.value.net}\${each.value.port}"
  mac_address = "fa:16:3e:80:0\${each.value.net}:0\${each.value.port}"
  fixed_ips   = [{ ip_address = "172.16.8\${each.value.net}.1\${each.value.port}" }]
}
`;

let lab: Lab;
let node: LabNode;
let tf: TfDir;
let work: string;

describe('refresh through one gathering per node, with terraform', { skip }, () => {
  const dir = (n: number) => `${node.statePath}/dhcp/${netId(n)}`;
  const plan = () => tf.run('plan', '-no-color', '-input=false', '-detailed-exitcode');
  const apply = () => tf.must([0], 'apply', '-no-color', '-input=false', '-auto-approve');

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-gather-'));
    tf = new TfDir(work);
    writeFileSync(join(work, 'main.tf'), MAIN_TF);
    const vars = { node: { host: node.address, user: node.user, private_key_path: node.privateKeyPath, known_hosts_path: node.knownHostsPath, state_path: node.statePath }, bridge: node.bridge };
    writeFileSync(join(work, 'terraform.tfvars.json'), JSON.stringify(vars));
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    tf.must([0], 'init', '-no-color', '-input=false');
  });
  after(async () => {
    if (tf && existsSync(join(work, 'terraform.tfstate'))) tf.run('destroy', '-no-color', '-auto-approve');
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('applies 16 resources; the next plan has no changes', (t) => {
    const r = apply();
    assert.match(r.stdout, /Apply complete! Resources: 16 added, 0 changed, 0 destroyed/);
    const p = plan();
    t.diagnostic(`no-op plan of 16 resources on one node: ${p.ms.toFixed(0)} ms`);
    assert.equal(p.code, 0, p.stdout + p.stderr);
  });

  it('a port fragment edited and another network\'s dnsmasq killed between two plans: the second shows both, apply repairs them', () => {
    writeFileSync(`${dir(1)}/ports/${portId(1, 2)}.host`, 'fa:16:3e:80:01:02,intruder,172.16.81.99\n');
    process.kill(readPid(`${dir(2)}/pid`)!, 'SIGKILL');
    const p = plan();
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, /dhcpagent_port\.p\["1-2"\] will be updated in-place/);
    assert.match(p.stdout, /the port's host fragment on the node differs from the spec/);
    assert.match(p.stdout, /dhcpagent_network\.net\["2"\] will be updated in-place/);
    assert.match(p.stdout, /dnsmasq is not running/);
    // Network 1's host file no longer matches its ports' fragments either: it is reassembled too.
    assert.match(p.stdout, /file host differs from the 4 port\(s\) kept on the node/);
    assert.match(p.stdout, /Plan: 0 to add, 3 to change, 0 to destroy/, 'nothing else changed');
    apply();
    const after = plan();
    assert.equal(after.code, 0, after.stdout + after.stderr);
  });

  it('a port\'s files removed between two plans: the second plans it again', () => {
    assert.equal(plan().code, 0);
    for (const kind of ['json', 'host', 'addn', 'opts', 'leases']) unlinkSync(`${dir(3)}/ports/${portId(3, 4)}.${kind}`);
    const p = plan();
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, /dhcpagent_port\.p\["3-4"\] will be created/);
    assert.match(p.stdout, /Plan: 1 to add, /);
    apply();
    assert.equal(plan().code, 0);
  });
});
