/**
 * What reads of a node and of a port show the user: `readNode` and `readPort` against a host
 * that answers with canned `@@section` output (the node's part; the agent's part is under
 * test). Every drift sentence is asserted word for word. No node, no root.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/agent/canonical-json';
import { effectivePort } from '../../src/agent/effective-port';
import { monitorScript } from '../../src/agent/monitor';
import { renderContext } from '../../src/agent/network-script';
import { readNode, unitDrift } from '../../src/agent/node';
import { readPort } from '../../src/agent/port';
import { renderPortFiles } from '../../src/agent/port-files';
import { sha256 } from '../../src/agent/script';
import type { NodeSpec } from '../../src/agent/spec';
import { monitorUnit, networkUnitTemplate } from '../../src/agent/systemd-units';
import type { ExecResult, Host } from '../../src/host/types';
import { networkSpec, portSpec } from '../support/specs';

const STATE = '/var/lib/dhcp-agent';
const MONITOR_UNIT = 'dhcp-agent-monitor-98067313.service';
const NET_TEMPLATE = 'dhcp-agent-net-98067313@.service';

/** A host whose every script prints `stdout` (and exits 0); remembers the scripts it was sent. */
class CannedHost implements Host {
  readonly label = 'n0';
  readonly scripts: string[] = [];
  constructor(private readonly stdout: string) {}
  run(script: string): Promise<ExecResult> {
    this.scripts.push(script);
    return Promise.resolve({ code: 0, stdout: this.stdout, stderr: '' });
  }
  writeFile(): Promise<void> {
    return Promise.reject(new Error('a read writes nothing'));
  }
  readFile(): Promise<Buffer | null> {
    return Promise.reject(new Error('not used'));
  }
  async close(): Promise<void> {}
}

function output(sections: Record<string, string>): string {
  return Object.entries(sections).map(([name, body]) => `@@${name}\n${body}\n`).join('') + '@@end\n';
}

describe('readNode', () => {
  const spec: NodeSpec = { statePath: STATE, monitorIntervalSeconds: 60 };
  const monitorSha = sha256(monitorScript(STATE, 60));
  const node = (changes: Record<string, string> = {}) => ({
    missing: '',
    facts: 'hostname n0\nkernel 6.1.0-28-amd64\ndnsmasq 2.90\niptables nf_tables\nboot cron',
    state: '1',
    networks: 'net-a\nnet-b',
    monitor: `pid 321\nsha ${monitorSha}`,
    units: '',
    ...changes,
  });
  const read = (changes: Record<string, string> = {}) => readNode(new CannedHost(output(node(changes))), spec);

  it('a converged node: its facts, networks and monitor, no drift', async () => {
    assert.deepEqual(await read(), {
      hostname: 'n0',
      kernel: '6.1.0-28-amd64',
      dnsmasqVersion: '2.90',
      iptables: 'nf_tables',
      networks: ['net-a', 'net-b'],
      monitorPid: 321,
      monitorBoot: 'cron',
      drift: [],
    });
  });

  it('null when the state path is not there', async () => {
    assert.equal(await read({ state: '0' }), null);
  });

  it('missing prerequisites, a stopped monitor, a changed monitor script', async () => {
    const state = await read({
      missing: 'missing dnsmasq (Debian/Ubuntu: dnsmasq-base)\n  missing flock (coreutils/util-linux/diffutils)\nnot a missing line',
      monitor: `pid\nsha ${'0'.repeat(64)}`,
    });
    assert.equal(state?.monitorPid, null);
    assert.deepEqual(state?.drift, [
      'prerequisite missing dnsmasq (Debian/Ubuntu: dnsmasq-base)',
      'prerequisite missing flock (coreutils/util-linux/diffutils)',
      'the process monitor is not running',
      `${STATE}/monitor.sh is missing or differs from what the agent wrote`,
    ]);
  });

  it('a missing monitor script reads the same', async () => {
    assert.deepEqual((await read({ monitor: 'pid 321\nsha' }))?.drift, [`${STATE}/monitor.sh is missing or differs from what the agent wrote`]);
  });

  it('systemd units are looked at only where systemd runs', async () => {
    const units = `sha ${MONITOR_UNIT}\nmonitor inactive disabled`;
    assert.deepEqual((await read({ units }))?.drift, []);
    const state = await read({ units, facts: 'hostname n0\nkernel k\ndnsmasq 2.90\niptables nf_tables\nboot systemd' });
    assert.equal(state?.monitorBoot, 'systemd');
    assert.deepEqual(state?.drift, [
      `systemd unit /etc/systemd/system/${MONITOR_UNIT} is missing`,
      `the process monitor's systemd unit ${MONITOR_UNIT} is inactive, want active`,
      `the process monitor's systemd unit ${MONITOR_UNIT} is disabled, want enabled (it would not start at boot)`,
    ]);
  });

  it('asks the node once and sends no file', async () => {
    const host = new CannedHost(output(node()));
    await readNode(host, spec);
    assert.equal(host.scripts.length, 1);
  });
});

describe('unitDrift (node units)', () => {
  const spec: NodeSpec = { statePath: STATE, monitorIntervalSeconds: 60 };
  const monitorSha = sha256(monitorUnit(STATE, `${STATE}/monitor.sh`));
  const templateSha = sha256(networkUnitTemplate(STATE));

  it('both units as written, the monitor active and enabled: no drift', () => {
    assert.deepEqual(unitDrift(spec, [`sha ${MONITOR_UNIT} ${monitorSha}`, `sha ${NET_TEMPLATE} ${templateSha}`, 'monitor active enabled']), []);
  });

  it('a unit file changed, or missing', () => {
    assert.deepEqual(unitDrift(spec, [`sha ${MONITOR_UNIT} ${'0'.repeat(64)}`, `sha ${NET_TEMPLATE}`, 'monitor active enabled']), [
      `systemd unit /etc/systemd/system/${MONITOR_UNIT} differs from what the agent wrote`,
      `systemd unit /etc/systemd/system/${NET_TEMPLATE} is missing`,
    ]);
  });

  it('the monitor unit in an unknown state, not installed', () => {
    assert.deepEqual(unitDrift(spec, ['monitor']), [
      `the process monitor's systemd unit ${MONITOR_UNIT} is unknown, want active`,
      `the process monitor's systemd unit ${MONITOR_UNIT} is not installed, want enabled (it would not start at boot)`,
    ]);
  });

  it("another state path's units and unknown lines are not this node's business", () => {
    assert.deepEqual(unitDrift(spec, ['sha dhcp-agent-monitor-00000000.service', 'other line', '']), []);
  });
});

describe('readPort', () => {
  const net = networkSpec({ name: 'n0', bridge: 'brunit0', statePath: STATE }, { networkId: 'net-unit' });
  const spec = portSpec(net, { id: 'port-1', macAddress: 'fa:16:3e:00:00:11', ip: '172.16.0.20', hostname: 'vm1' });
  const kept = effectivePort(spec, net);
  const files = renderPortFiles(kept, renderContext(net), 0);
  const port = (changes: Record<string, string> = {}) => ({
    network: canonicalJson(net),
    port: JSON.stringify(kept),
    sha: `host ${sha256(files.host)}\naddn ${sha256(files.addn)}\nopts ${sha256(files.opts)}`,
    ...changes,
  });
  const read = (changes: Record<string, string> = {}) => readPort(new CannedHost(output(port(changes))), spec);

  it('a converged port: no drift', async () => {
    assert.deepEqual(await read(), { portId: 'port-1', networkId: 'net-unit', drift: [] });
  });

  it('null without its network or without the port', async () => {
    assert.equal(await read({ network: '' }), null);
    assert.equal(await read({ port: '' }), null);
  });

  it('a network.json that is not JSON is the one thing said', async () => {
    assert.deepEqual(await read({ network: '{"network":' }), {
      portId: 'port-1',
      networkId: 'net-unit',
      drift: [`${STATE}/dhcp/net-unit/network.json is not valid JSON; re-apply the network`],
    });
  });

  it('a kept port that is not JSON', async () => {
    assert.deepEqual((await read({ port: '{"id":' }))?.drift, ['ports/port-1.json on the node is not valid JSON']);
  });

  it('a kept port changed outside this configuration', async () => {
    assert.deepEqual((await read({ port: JSON.stringify({ ...kept, macAddress: 'fa:16:3e:00:00:12' }) }))?.drift, [
      'the port kept on the node differs from the spec (MAC, addresses, name or options changed outside this configuration)',
    ]);
  });

  it('fragments missing or changed', async () => {
    const sha = `host missing\naddn ${'0'.repeat(64)}\nopts ${sha256(files.opts)}`;
    assert.deepEqual((await read({ sha }))?.drift, ["the port's host fragment is missing on the node", "the port's addn_hosts fragment on the node differs from the spec"]);
    assert.deepEqual((await read({ sha: '' }))?.drift, [
      "the port's host fragment is missing on the node",
      "the port's addn_hosts fragment is missing on the node",
      "the port's opts fragment is missing on the node",
    ]);
  });
});
