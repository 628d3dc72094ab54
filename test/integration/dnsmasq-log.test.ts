/**
 * neutron's `dnsmasq_base_log_dir` on a lab node: dnsmasq logs a real client's DHCP exchange to
 * `<dir>/<network>/dhcp_dns_log`, and the process monitor keeps that file bounded (rotation
 * past the cap, one old copy, SIGUSR2) while dnsmasq goes on logging to the new file.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { DNS_LOG_MAX_BYTES } from '../../src/agent/network-script';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { readPid } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'lg6log';
const skip = labUnavailableReason();
const NET = 'a6000000-0000-4000-8000-000000000001';
const MAC = 'fa:16:3e:60:00:01';

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;
let vm: Awaited<ReturnType<Lab['addVm']>>;

describe('per-network dnsmasq log (dnsmasq_base_log_dir) on a lab node', { skip }, () => {
  const logDir = () => `${node.statePath}/dnsmasq-logs`;
  const logFile = () => `${logDir()}/${NET}/dhcp_dns_log`;
  const net = () => networkSpec(node, { networkId: NET, options: { dnsmasqBaseLogDir: logDir() } });
  const port = () => portSpec(net(), { id: 'c6000000-0000-4000-8000-000000000001', macAddress: MAC, ip: '172.16.0.10', hostname: 'vm1' });
  const ack = /DHCPACK\(\S+\) 172\.16\.0\.10 fa:16:3e:60:00:01/;
  const monitorOnce = async () => {
    const r = await host.run(`sh ${agent.monitorPaths(node.statePath).script} once`);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('logs the DHCP exchange to <dir>/<network>/dhcp_dns_log, with neutron’s argv', async (t) => {
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    assert.equal((await agent.applyNetwork(host, net())).dnsmasqAction, 'started');
    await agent.applyPort(host, port());

    const pid = readPid(`${node.statePath}/dhcp/${NET}/pid`)!;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    assert.deepEqual(argv.slice(-3), ['--log-queries', '--log-dhcp', `--log-facility=${logFile()}`]);
    assert.equal(statSync(`${logDir()}/${NET}`).mode & 0o777, 0o755, 'the log directory: 755 (umask 022)');

    vm = await lab.addVm({ node: 0, name: 'v1', mac: MAC });
    assert.equal((await vm.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.10');
    const log = readFileSync(logFile(), 'utf8');
    assert.match(log, /DHCPDISCOVER\(\S+\) fa:16:3e:60:00:01/);
    assert.match(log, ack);
    t.diagnostic(`log after one lease: ${log.split('\n').length - 1} lines, ${log.length} bytes`);
  });

  it('the monitor leaves a small log alone, and rotates it past the cap; dnsmasq logs to the new file', async (t) => {
    const pid = readPid(`${node.statePath}/dhcp/${NET}/pid`)!;
    await monitorOnce();
    assert.ok(!existsSync(`${logFile()}.1`), 'no rotation below the cap');

    // Past the cap, as a busy network would make it.
    appendFileSync(logFile(), `${'x'.repeat(1023)}\n`.repeat(DNS_LOG_MAX_BYTES / 1024 + 1));
    const before = statSync(logFile()).size;
    await monitorOnce();
    assert.ok(existsSync(`${logFile()}.1`), 'rotated to dhcp_dns_log.1');
    assert.equal(statSync(`${logFile()}.1`).size, before, 'the old copy is the whole old file');
    assert.ok(statSync(logFile()).size < 4096, 'a fresh file');
    assert.equal(statSync(logFile()).uid, statSync(`${logFile()}.1`).uid, 'owned as the old one (dnsmasq reopens as its own user)');
    assert.match(readFileSync(agent.monitorPaths(node.statePath).log, 'utf8'), new RegExp(`network ${NET}: rotated `));
    assert.equal(readPid(`${node.statePath}/dhcp/${NET}/pid`), pid, 'same dnsmasq (SIGUSR2, no restart)');

    assert.equal((await vm.dhcp({ timeoutMs: 5000 })).ip, '172.16.0.10');
    assert.match(readFileSync(logFile(), 'utf8'), ack, 'dnsmasq logs to the new file');
    assert.equal(statSync(`${logFile()}.1`).size, before, 'and no longer to the old copy');

    // A second rotation replaces the old copy: at most two files, each about the cap.
    appendFileSync(logFile(), `${'y'.repeat(1023)}\n`.repeat(DNS_LOG_MAX_BYTES / 1024 + 1));
    await monitorOnce();
    assert.match(readFileSync(`${logFile()}.1`, 'utf8'), /^y{1023}$/m);
    t.diagnostic(`cap ${DNS_LOG_MAX_BYTES} bytes; on disk after two rotations: ${statSync(logFile()).size} + ${statSync(`${logFile()}.1`).size} bytes`);

    await agent.deleteNetwork(host, net());
  });
});
