/**
 * Portable (provisioner) mode end to end on a lab node: cdktf deploy with terraform_data
 * carriers → leases; tamper → `dhcp-agent drift` exits 2 → `--repair` → lease again; a port
 * changed without a DHCP outage (create_before_destroy + generation marker); destroy → clean;
 * and the node serves exactly the same in provider mode and in portable mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { CdktfApp } from '../support/cdktf';
import { netnsExists, processesMatching, readPid } from '../support/host-probe';
import { snapshotNetwork } from '../support/node-snapshot';
import { repoRoot, terraformUnavailableReason } from '../support/terraform';

const LAB = 'tport';
const NET = '8165bc3d-400a-48a0-9186-bf59f7f94b05';
const VM1 = 'fa:16:3e:65:29:6d';
const skip = labUnavailableReason() ?? terraformUnavailableReason();

let lab: Lab;
let node: LabNode;
let app: CdktfApp;

function driftCli(app: CdktfApp, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.cjs'), 'drift', '--dir', app.stackDir('quickstart'), ...args], {
    env: { ...app.env, TERRAFORM_BIN: process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform' },
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

describe('portable mode (terraform_data carriers) with cdktf on a lab node', { skip }, () => {
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const lease = async (name: string, mac: string) => (await lab.addVm({ node: 0, name, mac })).dhcp({ timeoutMs: 5000 });

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    app = new CdktfApp(LAB, 'quickstart', { DHCP_AGENT_LAB: LAB, DHCP_AGENT_MODE: 'provisioner' });
  });
  after(async () => {
    if (app && existsSync(`${app.dir}/terraform.quickstart.tfstate`)) app.run(['destroy', '--auto-approve']);
    await labDown(LAB);
    app?.remove();
  });

  it('deploys with carriers and no custom provider: both VMs get their leases', async (t) => {
    const r = app.must(['deploy', '--auto-approve']);
    t.diagnostic(`cdktf deploy in portable mode: ${r.ms.toFixed(0)} ms`);
    assert.match(r.output, /terraform_data\.tenant-a_on-node1_\w+ \(tenant-a\/on-node1\): Provisioning with 'local-exec'/);
    assert.match(r.output, /Apply complete! Resources: 4 added/);
    assert.doesNotMatch(readFileSync(join(app.stackDir('quickstart'), 'cdk.tf.json'), 'utf8'), /dhcpagent_/, 'no dhcpagent resources');
    assert.equal((await lease('vm1', VM1)).ip, '172.16.0.10');
    assert.equal((await lease('vm2', 'fa:16:3e:65:29:6e')).ip, '172.16.0.11');
    assert.equal(driftCli(app).code, 0);
  });

  it('finds drift with `dhcp-agent drift` (exit 2) and repairs it, and only it, with --repair', async () => {
    process.kill(readPid(`${dir()}/pid`)!, 'SIGKILL');
    const seen = driftCli(app);
    assert.equal(seen.code, 2, seen.output);
    assert.match(seen.output, /terraform_data\.tenant-a_on-node1_\w+ \(network on [\d.]+\):\n {2}- dnsmasq is not running/);
    assert.match(seen.output, /1 of 4 resources drifted/);
    // A change of the configuration that nobody has applied yet: the repair must leave it alone.
    app.must(['synth'], { QUICKSTART_VM1_IP: '172.16.0.20' });
    const repaired = driftCli(app, '--repair');
    assert.equal(repaired.code, 0, repaired.output);
    assert.match(repaired.output, /-replace=terraform_data\.tenant-a_on-node1_\w+ -target=terraform_data\.tenant-a_on-node1_\w+/);
    assert.match(repaired.output, /no drift: 4 resources match the nodes/);
    assert.equal((await lease('vm1', VM1)).ip, '172.16.0.10', 'the pending port change was not applied');
  });

  it('changes a port without a DHCP outage (create_before_destroy + generation marker)', async () => {
    let reads = 0;
    let missing = 0;
    const timer = setInterval(() => {
      reads++;
      if (!readFileSync(`${dir()}/host`, 'utf8').includes(VM1)) missing++;
    }, 5);
    const r = await app.runAsync(['deploy', '--auto-approve'], { QUICKSTART_VM1_IP: '172.16.0.20' });
    clearInterval(timer);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Apply complete! Resources: 1 added, 0 changed, 1 destroyed/);
    assert.ok(reads > 10, `host file read ${reads} times during the update`);
    assert.equal(missing, 0, 'vm1 was never missing from the host file');
    assert.equal((await lease('vm1', VM1)).ip, '172.16.0.20');
    app.must(['deploy', '--auto-approve']);
  });

  it('destroys everything: the node is left clean', () => {
    app.must(['destroy', '--auto-approve']);
    assert.ok(!netnsExists(`qdhcp-${NET}`));
    assert.deepEqual(processesMatching(NET), []);
    assert.ok(!existsSync(node.statePath), 'state path removed');
  });

  it('leaves the node exactly as provider mode does, for the same stack', () => {
    const snapshot = (mode: 'provider' | 'provisioner') => {
      const a = new CdktfApp(`${LAB}${mode === 'provider' ? 'a' : 'b'}`, 'quickstart', { DHCP_AGENT_LAB: LAB, DHCP_AGENT_MODE: mode });
      try {
        a.must(['deploy', '--auto-approve']);
        const s = snapshotNetwork(node.netns, node.statePath, NET);
        a.must(['destroy', '--auto-approve']);
        return s;
      } finally {
        a.remove();
      }
    };
    const viaProvider = snapshot('provider');
    const viaProvisioner = snapshot('provisioner');
    assert.ok(Object.keys(viaProvider).length > 10);
    assert.deepEqual(viaProvisioner, viaProvider);
  });
});
