/**
 * The node's own guards on a plain lab node: a state path that someone other than root could
 * write to is refused before anything is written; the process monitor backs off from a network
 * it cannot repair (instead of retrying every interval), rotates its log, and `monitor.sh down`
 * takes the node's DHCP service down until an apply.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { MONITOR_LOG_MAX_BYTES, monitorPaths } from '../../src/agent/monitor';
import { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type LabNode } from '../../src/lab';
import { inNetns, pidAlive, readPid, waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec } from '../support/specs';

const LAB = 'tnodeb';
const skip = labUnavailableReason();
const NET = 'a8000000-0000-4000-8000-000000000001';
const NOBODY = 65534;

describe('node guards on a lab node', { skip }, () => {
  let node: LabNode;
  let pool: SshPool;
  let host: SshHost;

  before(async () => {
    ({ node, pool, host } = await openLabSession({ name: LAB }));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('refuses a state path owned by another user, or writable by others, and writes nothing', async () => {
    const base = `${node.dir}/shared`;
    mkdirSync(`${base}/owned`, { recursive: true });
    chmodSync(base, 0o755);
    chownSync(`${base}/owned`, NOBODY, NOBODY);
    const owned = { statePath: `${base}/owned/agent`, monitorIntervalSeconds: 60 };
    await assert.rejects(agent.applyNode(host, owned), (e: Error) =>
      e.message.includes(`state path: ${base}/owned is owned by uid ${NOBODY}, not root`) && e.message.includes('choose another statePath'));
    assert.equal(existsSync(`${base}/owned/agent`), false, 'nothing created under it');

    mkdirSync(`${base}/open`, { recursive: true });
    chmodSync(`${base}/open`, 0o777);
    const open = { statePath: `${base}/open`, monitorIntervalSeconds: 60 };
    await assert.rejects(agent.applyNode(host, open), /state path: \S+\/open has mode 777 \(writable by group or others\)/);
    await assert.rejects(agent.applyNetwork(host, networkSpec({ ...node, statePath: `${base}/open` }, { networkId: NET })), /has mode 777/);
    assert.equal(existsSync(`${base}/open/dhcp`), false, 'no dhcp/ made');
    assert.equal(existsSync(`${base}/open/monitor.sh`), false, 'no monitor written');
    rmSync(base, { recursive: true, force: true });
  });

  it('the monitor backs off from a network it cannot repair, and rotates its log', async (t) => {
    const spec = { statePath: node.statePath, monitorIntervalSeconds: 1 };
    await agent.applyNode(host, spec);
    const net = networkSpec(node, { networkId: NET });
    await agent.applyNetwork(host, net);
    const paths = monitorPaths(node.statePath);
    // Absent for a moment while the monitor moves a full log aside.
    const logText = (): string => {
      try {
        return readFileSync(paths.log, 'utf8');
      } catch {
        return '';
      }
    };
    // A full log: the next line the monitor writes moves it aside.
    writeFileSync(paths.log, 'x'.repeat(MONITOR_LOG_MAX_BYTES + 10) + '\n');
    // Unrepairable: the bridge the network hangs on is gone (ensure fails at step bridge), and
    // dnsmasq dead so that the monitor's check fails.
    inNetns(node.netns, `ip link del ${node.bridge}`);
    process.kill(readPid(`${node.statePath}/dhcp/${NET}/pid`)!, 'SIGKILL');
    const t0 = Date.now();
    await waitFor('3 failed repairs', () => (logText().match(/setup\.sh failed/g) ?? []).length >= 3, 20_000, 200);
    const elapsed = Date.now() - t0;
    const log = logText();
    t.diagnostic(`3 failed repairs in ${elapsed} ms at a 1 s interval; log: ${log.split('\n').filter((l) => /next try/.test(l)).join(' | ')}`);
    assert.match(log, /network \S+: 1 failure\(s\) in a row; next try in 1 s/);
    assert.match(log, /network \S+: 2 failure\(s\) in a row; next try in 2 s/);
    // 1 + 2 s of backoff at the least between the three tries.
    assert.ok(elapsed >= 3000, `backed off: ${elapsed} ms`);
    assert.ok(statSync(`${paths.log}.1`).size > MONITOR_LOG_MAX_BYTES, 'the full log was moved aside');
    assert.ok(statSync(paths.log).size < 64 * 1024, 'a fresh log');

    // The bridge is back: the next try repairs the network and the backoff is forgotten.
    inNetns(node.netns, `ip link add ${node.bridge} type bridge forward_delay 0 && ip link set ${node.bridge} up`);
    await waitFor('the monitor to repair the network', () => /repaired/.test(logText()), 20_000, 200);
    await waitFor('no drift', async () => (await agent.readNetwork(host, net))?.drift.length === 0, 10_000, 200);
    assert.equal(existsSync(`${paths.backoffDir}/${NET}`), false, 'backoff cleared');
  });

  it('monitor.sh down stops the monitor and every dnsmasq; nothing comes back until an apply', async () => {
    const pid = readPid(`${node.statePath}/dhcp/${NET}/pid`);
    assert.ok(pidAlive(pid));
    inNetns(node.netns, `sh ${monitorPaths(node.statePath).script} down`);
    await new Promise((r) => setTimeout(r, 3000)); // three monitor intervals
    assert.equal(pidAlive(pid), false);
    assert.equal(readPid(monitorPaths(node.statePath).pidFile), null);
    const seen = await agent.readNetwork(host, networkSpec(node, { networkId: NET }));
    assert.ok(seen?.drift.some((d) => /dnsmasq is not running/.test(d)));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 60 });
    assert.deepEqual((await agent.applyNetwork(host, networkSpec(node, { networkId: NET }))).drift, []);
    await agent.deleteNetwork(host, networkSpec(node, { networkId: NET }));
    await agent.deleteNode(host, { statePath: node.statePath, monitorIntervalSeconds: 60 });
  });
});
