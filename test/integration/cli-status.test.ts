/** `dhcp-agent status` against a lab node: the networks it serves, and drift, without Terraform. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { SshPool } from '../../src/host';
import { labDown, labUnavailableReason, labUp, type Lab } from '../../src/lab';
import { readPid } from '../support/host-probe';
import { networkSpec } from '../support/specs';
import { repoRoot } from '../support/terraform';

const LAB = 'tstatus';
const NET = 'a5000000-0000-4000-8000-000000000001';
const skip = labUnavailableReason();

function status(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), 'status', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('dhcp-agent status', { skip }, () => {
  let lab: Lab;
  const pool = new SshPool();
  before(async () => {
    lab = await labUp({ name: LAB });
    const host = pool.get(lab.sshHostConfig(0));
    await agent.applyNode(host, { statePath: lab.node(0).statePath, monitorIntervalSeconds: 3600 });
    await agent.applyNetwork(host, networkSpec(lab.node(0), { networkId: NET }));
  });
  after(async () => {
    await pool.closeAll();
    await labDown(LAB);
  });

  it('lists the networks a node serves, exit 0 when nothing drifted', () => {
    const r = status('--lab', LAB);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /dnsmasq 2\.\d+/);
    assert.match(r.out, new RegExp(`${NET}\\s+qdhcp-${NET}\\s+ns-\\S+ 172\\.16\\.0\\.2/24\\s+ports 0\\s+dnsmasq \\d+`));
  });

  it('shows drift and exits 2', () => {
    process.kill(readPid(`${lab.node(0).statePath}/dhcp/${NET}/pid`)!, 'SIGKILL');
    const r = status('--lab', LAB);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /drift: dnsmasq is not running/);
    const json = JSON.parse(status('--lab', LAB, '--json').out) as { networks: { id: string }[] };
    assert.equal(json.networks[0].id, NET);
  });

  it('asks for a node when given none', () => {
    const r = status();
    assert.equal(r.code, 2);
    assert.match(r.out, /give --host \(or --lab\)/);
  });
});
