/**
 * examples/quickstart through the real cdktf CLI against a lab node: deploy → leases for both
 * ports; a second diff shows no changes; a killed dnsmasq shows up in `cdktf diff` and
 * `cdktf deploy` repairs it; adding a port updates the node in place; the CI drift check
 * (`terraform plan -detailed-exitcode` on the synthesized stack) exits 0 / 2; destroy → clean.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { CdktfApp } from '../support/cdktf';
import { netnsExists, processesMatching, readPid } from '../support/host-probe';
import { TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'tcdk';
const NET = '8165bc3d-400a-48a0-9186-bf59f7f94b05';
const skip = labUnavailableReason() ?? terraformUnavailableReason();

let lab: Lab;
let node: LabNode;
let app: CdktfApp;

describe('examples/quickstart with cdktf deploy / diff / destroy on a lab node', { skip }, () => {
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const lease = async (name: string, mac: string) => (await lab.addVm({ node: 0, name, mac })).dhcp({ timeoutMs: 5000 });

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    app = new CdktfApp(LAB, 'quickstart', { DHCP_AGENT_LAB: LAB });
  });
  after(async () => {
    if (app && existsSync(`${app.dir}/terraform.quickstart.tfstate`)) app.run(['destroy', '--auto-approve']);
    await labDown(LAB);
    app?.remove();
  });

  it('deploys offline with no CLI configuration: both VMs get their leases', async (t) => {
    const r = app.must(['deploy', '--auto-approve']);
    t.diagnostic(`cdktf deploy (synth + init + apply of 4 resources): ${r.ms.toFixed(0)} ms`);
    assert.match(r.output, /Apply complete! Resources: 4 added, 0 changed, 0 destroyed/);
    const vm1 = await lease('vm1', 'fa:16:3e:65:29:6d');
    assert.equal(vm1.ip, '172.16.0.10');
    assert.equal(vm1.hostname, 'vm1');
    assert.equal(vm1.raw.tftp, '172.16.0.5');
    assert.equal(vm1.raw.bootfile, 'pxelinux.0');
    assert.equal((await lease('vm2', 'fa:16:3e:65:29:6e')).ip, '172.16.0.11');
  });

  it('shows no changes on a second diff', (t) => {
    const r = app.must(['diff']);
    t.diagnostic(`cdktf diff: ${r.ms.toFixed(0)} ms`);
    assert.match(r.output, /No changes/);
  });

  it('shows a killed dnsmasq in cdktf diff, and cdktf deploy repairs it', async () => {
    process.kill(readPid(`${dir()}/pid`)!, 'SIGKILL');
    const diff = app.must(['diff']);
    assert.match(diff.output, /will be updated in-place/);
    assert.match(diff.output, /dnsmasq is not running/);
    assert.match(diff.output, /Plan: 0 to add, 1 to change, 0 to destroy/);
    app.must(['deploy', '--auto-approve']);
    assert.match(app.must(['diff']).output, /No changes/);
    assert.equal((await lease('vm1', 'fa:16:3e:65:29:6d')).ip, '172.16.0.10');
  });

  it('checks drift in CI with terraform plan -detailed-exitcode on the synthesized stack', () => {
    const tf = new TfDir(app.stackDir('quickstart'), app.env);
    assert.equal(tf.run('plan', '-detailed-exitcode', '-input=false', '-no-color').code, 0);
    process.kill(readPid(`${dir()}/pid`)!, 'SIGKILL');
    const drifted = tf.run('plan', '-detailed-exitcode', '-input=false', '-no-color');
    assert.equal(drifted.code, 2, drifted.stdout + drifted.stderr);
    assert.match(drifted.stdout, /dnsmasq is not running/);
    app.must(['deploy', '--auto-approve']);
    assert.equal(tf.run('plan', '-detailed-exitcode', '-input=false', '-no-color').code, 0);
  });

  it('adds a port to a deployed stack: the network is updated in place, not replaced', async () => {
    const r = app.must(['deploy', '--auto-approve'], { QUICKSTART_EXTRA_PORT: '1' });
    assert.match(r.output, /Apply complete! Resources: 1 added, 0 changed, 0 destroyed/);
    assert.equal((await lease('vm3', 'fa:16:3e:65:29:6f')).ip, '172.16.0.12');
    assert.equal((await lease('vm2', 'fa:16:3e:65:29:6e')).ip, '172.16.0.11', 'the others keep being served');
    assert.match(app.must(['diff'], { QUICKSTART_EXTRA_PORT: '1' }).output, /No changes/);
  });

  it('destroys everything: the node is left clean', () => {
    const r = app.must(['destroy', '--auto-approve'], { QUICKSTART_EXTRA_PORT: '1' });
    assert.match(r.output, /Destroy complete! Resources: 5 destroyed/);
    assert.ok(!netnsExists(`qdhcp-${NET}`));
    assert.deepEqual(processesMatching(NET), []);
    assert.ok(!existsSync(node.statePath), 'the state path is gone');
  });
});

describe('examples/from-neutron with cdktf deploy on a lab node', { skip }, () => {
  const NLAB = 'tcdkn';
  let nlab: Lab;
  let napp: CdktfApp;
  before(async () => {
    nlab = await labUp({ name: NLAB });
    napp = new CdktfApp(NLAB, 'from-neutron', { DHCP_AGENT_LAB: NLAB });
  });
  after(async () => {
    if (napp && existsSync(`${napp.dir}/terraform.from-neutron.tfstate`)) napp.run(['destroy', '--auto-approve']);
    await labDown(NLAB);
    napp?.remove();
  });

  it("serves neutron's ports from neutron's DHCP address, with their names and PXE options", async () => {
    napp.must(['deploy', '--auto-approve']);
    const web1 = await (await nlab.addVm({ node: 0, name: 'web1', mac: 'fa:16:3e:11:22:33' })).dhcp({ timeoutMs: 5000 });
    assert.equal(web1.ip, '10.20.0.15');
    assert.equal(web1.hostname, 'web1');
    assert.equal(web1.domain, 'example.org');
    assert.equal(web1.serverId, '10.20.0.2', "neutron's DHCP port address is kept");
    assert.equal(web1.mtu, 1450);
    const bm1 = await (await nlab.addVm({ node: 0, name: 'bm1', mac: 'fa:16:3e:44:55:66' })).dhcp({ timeoutMs: 5000 });
    assert.equal(bm1.ip, '10.20.0.16');
    assert.equal(bm1.raw.tftp, '10.20.0.5');
    assert.equal(bm1.raw.bootfile, 'undionly.kpxe');
    assert.match(napp.must(['diff']).output, /No changes/);
    napp.must(['destroy', '--auto-approve']);
  });
});
