/**
 * A CDK Terrain app (`cdktn`, `cdktn-cli`) using the constructs from `cdktf-dhcp-agent/cdktn`
 * (the built entry point, as a user installs it): it type-checks with no cdktf in its types,
 * loads no cdktf when it runs, and `cdktn deploy` / `diff` / `destroy` drive a lab node: a VM
 * gets its lease, a killed dnsmasq shows in `cdktn diff`, destroy leaves the node clean.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labDown, labUnavailableReason, labUp, type Lab } from '../../src/lab';
import { CdktfApp } from '../support/cdktf';
import { netnsExists, processesMatching, readPid } from '../support/host-probe';
import { repoRoot, terraformUnavailableReason } from '../support/terraform';

const LAB = 'temcdn';
const NET = 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f';
const entryBuilt = existsSync(join(repoRoot, 'dist', 'cdktn', 'index.js')) ? undefined : 'dist/cdktn is not built (npm run build)';
const skip = labUnavailableReason() ?? terraformUnavailableReason() ?? entryBuilt;

let lab: Lab;
let app: CdktfApp;
const loadedFile = join(repoRoot, '.e2e', `${LAB}-loaded.jsonl`);

describe('a CDK Terrain (cdktn) app: typed constructs, cdktn deploy / diff / destroy on a lab node', { skip }, () => {
  before(async () => {
    lab = await labUp({ name: LAB });
    rmSync(loadedFile, { force: true });
    app = new CdktfApp(
      LAB,
      'cdktn',
      { DHCP_AGENT_LAB: LAB, LOADED_CDK_FILE: loadedFile, NODE_OPTIONS: `--require ${join(repoRoot, 'test', 'fixtures', 'cdktn-node20.cjs')} --require ${join(repoRoot, 'test', 'fixtures', 'loaded-cdk.cjs')}` },
      { cli: 'cdktn', paths: { 'cdktf-dhcp-agent/cdktn': 'cdktn' } },
    );
  });
  after(async () => {
    if (app && existsSync(`${app.dir}/terraform.quickstart.tfstate`)) app.run(['destroy', '--auto-approve']);
    await labDown(LAB);
    app?.remove();
    rmSync(loadedFile, { force: true });
  });

  it('type-checks against cdktn and the built entry point, with no cdktf among its types', () => {
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app.dir, '--noEmit', '--listFiles'], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    const files = tsc.stdout.split('\n');
    assert.ok(files.some((f) => f.includes('/node_modules/cdktn/lib/')), 'cdktn types are used');
    assert.ok(files.some((f) => f.includes('/dist/cdktn/constructs/')), 'the built cdktn entry point is used');
    assert.deepEqual(files.filter((f) => /\/node_modules\/cdktf\//.test(f) || /\/dist\/constructs\//.test(f)), [], 'no cdktf types');
  });

  it('cdktn deploy: the VMs get their leases, and the app loaded cdktn only', async (t) => {
    const r = app.must(['deploy', '--auto-approve']);
    t.diagnostic(`cdktn deploy (synth + init + apply of 4 resources): ${r.ms.toFixed(0)} ms`);
    assert.match(r.output, /Apply complete! Resources: 4 added, 0 changed, 0 destroyed/);
    const vm1 = await (await lab.addVm({ node: 0, name: 'vm1', mac: 'fa:16:3e:40:00:0a' })).dhcp({ timeoutMs: 5000 });
    assert.equal(vm1.ip, '172.16.40.10');
    assert.equal(vm1.hostname, 'vm1');
    const runs = readFileSync(loadedFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { packages: string[] });
    const loaded = runs.flatMap((run) => run.packages);
    t.diagnostic(`CDK packages the app's processes loaded: ${JSON.stringify([...new Set(loaded)].map((p) => p.replace(repoRoot, '.')))}`);
    assert.ok(loaded.some((p) => p.endsWith('/node_modules/cdktn/')), 'cdktn loaded');
    assert.deepEqual(loaded.filter((p) => p.endsWith('/node_modules/cdktf/')), [], 'no cdktf loaded');
  });

  it('cdktn diff shows no changes, then a killed dnsmasq as drift', () => {
    assert.match(app.must(['diff']).output, /No changes/);
    process.kill(readPid(`${lab.node(0).statePath}/dhcp/${NET}/pid`)!, 'SIGKILL');
    const diff = app.must(['diff']);
    assert.match(diff.output, /dnsmasq is not running/);
    assert.match(diff.output, /Plan: 0 to add, 1 to change, 0 to destroy/);
  });

  it('cdktn destroy leaves the node clean', () => {
    const r = app.must(['destroy', '--auto-approve']);
    assert.match(r.output, /Destroy complete! Resources: 4 destroyed/);
    assert.ok(!netnsExists(`qdhcp-${NET}`));
    assert.deepEqual(processesMatching(NET), []);
  });
});
