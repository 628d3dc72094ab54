/**
 * Bounded failure of the node scripts, with real faults on a lab node: a script killed
 * (SIGKILL of its shell, no trap) or failing at a named step, a lock held by another writer.
 * What is checked is what the node serves afterwards and what the process monitor does.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { nodeBudget } from '../../src/agent/script';
import { SshPool, type SshHost } from '../../src/host';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { KillAtStepHost } from '../support/fault-host';
import { netnsExists, pidAlive, readPid, sh, waitFor } from '../support/host-probe';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'flbound';
const skip = labUnavailableReason();
const NET = 'f1000000-0000-4000-8000-000000000001';
const NET2 = 'f1000000-0000-4000-8000-000000000002';
const P = (n: number) => ({ id: `c7000000-0000-4000-8000-00000000000${n}`, macAddress: `fa:16:3e:70:00:0${n}`, ip: `172.16.0.1${n}` });

function exited(child: ChildProcess): Promise<unknown> {
  return new Promise((r) => child.once('exit', r));
}

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;

describe('bounded failure: killed and late node scripts', { skip }, () => {
  const net = (lease = 86400) => networkSpec(node, { networkId: NET, options: { dhcpLeaseDuration: lease } });
  const net2 = () => networkSpec(node, { networkId: NET2, cidr: '172.16.1.0/24' });
  const port = (n: number, ip?: string) => portSpec(net(), { ...P(n), ...(ip ? { ip } : {}) });
  const dir = (id = NET) => `${node.statePath}/dhcp/${id}`;
  const hostFile = () => readFileSync(`${dir()}/host`, 'utf8');
  const portFiles = (n: number) => readdirSync(`${dir()}/ports`).filter((f) => f.startsWith(P(n).id));
  const lockFile = (id: string) => `${node.statePath}/dhcp/.${id}.lock`;

  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
    pool = new SshPool();
    host = pool.get(lab.sshHostConfig(0));
    // A monitor that looks every second, so that what it would rebuild shows up quickly.
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 1 });
    await agent.applyNetwork(host, net());
    await agent.applyPort(host, port(1));
  });
  after(async () => {
    await pool?.closeAll();
    await labDown(LAB);
  });

  it('a port create killed after its files were written leaves nothing served (undone by the next writer)', async () => {
    const faulty = new KillAtStepHost(host, 'reload allocations');
    await assert.rejects(agent.applyPort(faulty, port(2)));
    assert.equal(faulty.killed, 1);
    // Another writer comes along: its reload must not serve the dead batch's port.
    await agent.applyPort(host, port(3));
    assert.match(hostFile(), /fa:16:3e:70:00:01/);
    assert.match(hostFile(), /fa:16:3e:70:00:03/);
    assert.doesNotMatch(hostFile(), /fa:16:3e:70:00:02/, 'the killed create is not served');
    assert.deepEqual(portFiles(2), [], 'and its files are gone');
    assert.equal(existsSync(`${dir()}/ports/.txn`), false);
  });

  it('a port change that fails after dnsmasq took it is rolled back at once', async () => {
    const faulty = new KillAtStepHost(host, 'commit', 'fail');
    await assert.rejects(agent.applyPort(faulty, port(1, '172.16.0.31')), /step "commit" failed/);
    assert.match(hostFile(), /fa:16:3e:70:00:01,[^,]+,172\.16\.0\.11\b/, 'the old address is served again');
    assert.deepEqual(await agent.readPort(host, port(1)).then((s) => s?.drift), [], 'the node holds the port as the state has it');
    assert.equal(existsSync(`${dir()}/ports/.txn`), false);
  });

  it('a port change killed after dnsmasq took it is undone by the process monitor', async () => {
    const faulty = new KillAtStepHost(host, 'commit');
    await assert.rejects(agent.applyPort(faulty, port(1, '172.16.0.32')));
    assert.match(hostFile(), /172\.16\.0\.32/, 'dnsmasq had taken the change when the batch was killed');
    await waitFor('the monitor to undo the batch', () => /fa:16:3e:70:00:01,[^,]+,172\.16\.0\.11\b/.test(hostFile()), 5000);
    assert.equal(existsSync(`${dir()}/ports/.txn`), false);
    await waitFor('no drift', async () => (await agent.readNetwork(host, net()))?.drift.length === 0, 3000);
  });

  it('a network update killed between stopping and starting dnsmasq is finished by the process monitor', async () => {
    const before = readPid(`${dir()}/pid`);
    // A new lease time changes dnsmasq's command line: stop, then start.
    await assert.rejects(agent.applyNetwork(new KillAtStepHost(host, 'dnsmasq-start'), net(43200)));
    assert.equal(pidAlive(before), false, 'the old dnsmasq was stopped');
    const t0 = Date.now();
    const pid = await waitFor('the monitor to start dnsmasq', () => {
      const p = readPid(`${dir()}/pid`);
      return p && pidAlive(p) ? p : null;
    }, 5000);
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /43200s/, 'with the new command line');
    console.log(`# dnsmasq back ${Date.now() - t0} ms after the kill (monitor interval 1 s)`);
    assert.deepEqual((await agent.readNetwork(host, net(43200)))?.drift, []);
  });

  it('an interrupted delete is not rebuilt by the process monitor, and a retried delete finishes', async () => {
    await agent.applyNetwork(host, net2());
    const pid = readPid(`${dir(NET2)}/pid`);
    // Killed after dnsmasq stopped, before the devices go (teardown's `veth` step).
    await assert.rejects(agent.deleteNetwork(new KillAtStepHost(host, 'veth'), net2()));
    assert.equal(pidAlive(pid), false, 'dnsmasq was stopped before the kill');
    // Three monitor rounds.
    await new Promise((r) => setTimeout(r, 3500));
    const again = readPid(`${dir(NET2)}/pid`);
    assert.ok(!again || !pidAlive(again), `the monitor did not start dnsmasq again (pid ${again})`);
    const read = await agent.readNetwork(host, net2());
    assert.ok(read && read.drift.some((d) => /setup\.sh is missing/.test(d)), `plan shows the half-deleted network: ${read?.drift.join('; ')}`);
    assert.deepEqual(await agent.deleteNetwork(host, net2()), { deleted: true });
    assert.equal(netnsExists(`qdhcp-${NET2}`), false);
    assert.equal(existsSync(dir(NET2)), false);
  });

  it('a script that gets the lock late still has its whole work budget', async (t) => {
    const saved = { ...nodeBudget };
    Object.assign(nodeBudget, { lockWaitSeconds: 4, workSeconds: 4 });
    try {
      // Another writer holds the network lock for 3.8 of the 4 s the script may wait.
      const holder = exited(spawn('flock', [lockFile(NET), 'sleep', '3.8'], { stdio: 'ignore' }));
      await waitFor('the lock to be taken', () => sh(`flock -n ${lockFile(NET)} true && echo free || echo held`).trim() === 'held');
      const t0 = Date.now();
      // A new lease time: dnsmasq is stopped and started again, after the lock is taken.
      const state = await agent.applyNetwork(host, net(7200));
      t.diagnostic(`apply with the lock taken after ~3.8 s: ${Date.now() - t0} ms`);
      await holder;
      assert.equal(state.dnsmasqAction, 'started');
      assert.deepEqual(state.drift, []);
      assert.match(readFileSync(`/proc/${state.dnsmasqPid}/cmdline`, 'utf8'), /7200s/);

      // Held for longer than the wait: refused, saying so, and nothing changed.
      Object.assign(nodeBudget, { lockWaitSeconds: 1 });
      const long = exited(spawn('flock', [lockFile(NET), 'sleep', '3'], { stdio: 'ignore' }));
      await waitFor('the lock to be taken', () => sh(`flock -n ${lockFile(NET)} true && echo free || echo held`).trim() === 'held');
      await assert.rejects(agent.applyNetwork(host, net(3600)), /another writer held the lock .* for more than 1 s; nothing was changed/);
      await long;
      assert.match(readFileSync(`/proc/${readPid(`${dir()}/pid`)}/cmdline`, 'utf8'), /7200s/, 'dnsmasq untouched');
    } finally {
      Object.assign(nodeBudget, saved);
    }
  });
});
