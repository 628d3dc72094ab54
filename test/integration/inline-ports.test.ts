/**
 * Ports inline through portable mode's path (`dhcp-agent handler network …`, the same handler
 * the provider runs): a network carrier replaced by one with one more port (create of the new
 * carrier, then the old carrier's destroy, generations as Terraform gives them) keeps every
 * client's exchanges going and dnsmasq's pid; the new port gets its lease; a read names a
 * drifted port by its id; a port dropped from the list is removed from the node. The provider
 * path is test/e2e/ports-inline.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, unlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runHandler } from '../../src/cli/handler';
import type { SshHost, SshPool } from '../../src/host';
import { formatReport, labUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import type { ObjectValue } from '../../src/provider/cty';
import { readPid } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { probeDuring } from '../support/probe-change';

const LAB = 'inlport';
const skip = labUnavailableReason();
const NET = 'a9100000-0000-4000-8000-000000000001';
const portId = (n: number) => `c9100000-0000-4000-8000-00000000000${n}`;
const mac = (n: number) => `fa:16:3e:91:00:0${n}`;
const ip = (n: number) => `172.16.91.1${n}`;

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;

/** The network carrier's payload with ports `ns` inline (snake_case, as the constructs write it). */
function payload(ns: readonly number[]): ObjectValue {
  return {
    node: { host: node.address, user: node.user, private_key_path: node.privateKeyPath, known_hosts_path: node.knownHostsPath, state_path: node.statePath },
    network_id: NET,
    bridge: node.bridge,
    subnets: [{ cidr: '172.16.91.0/24', gateway_ip: '172.16.91.1' }],
    ports: ns.map((n) => ({ id: portId(n), mac_address: mac(n), fixed_ips: [{ ip_address: ip(n) }], hostname: `vm${n}` })),
  };
}

describe('ports inline, through the portable handler', { skip }, () => {
  const dir = () => `${node.statePath}/dhcp/${NET}`;
  const network = (action: 'create' | 'read' | 'delete', ns: readonly number[], generation?: string) => runHandler('network', action, payload(ns), { generation }, host);

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await runHandler('node', 'create', { node: payload([]).node }, {}, host);
    await network('create', [1, 2], 'carrier-1');
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('a carrier replaced by one with one more port: no failed exchange for another port, dnsmasq kept, the old carrier\'s destroy undoes nothing', async (t) => {
    const vm1 = await lab.addVm({ node: 0, name: 'v1', mac: mac(1) });
    const pid = readPid(`${dir()}/pid`);
    const { report } = await probeDuring(vm1, ip(1), async () => {
      await network('create', [1, 2, 3], 'carrier-2');
      return network('delete', [1, 2], 'carrier-1');
    });
    t.diagnostic(`carrier replaced: ${formatReport(report)}`);
    assert.equal(report.failures, 0, formatReport(report));
    assert.equal(readPid(`${dir()}/pid`), pid);
    for (const n of [1, 2, 3]) assert.ok(existsSync(`${dir()}/ports/${portId(n)}.json`), `port ${n} kept`);
    const vm3 = await lab.addVm({ node: 0, name: 'v3', mac: mac(3) });
    assert.equal((await vm3.dhcp()).ip, ip(3));
  });

  it('a read names a drifted port by its id', async () => {
    assert.deepEqual(((await network('read', [1, 2, 3])) as { drift: string[] }).drift, []);
    unlinkSync(`${dir()}/ports/${portId(2)}.host`);
    const drift = ((await network('read', [1, 2, 3])) as { drift: string[] }).drift;
    assert.ok(drift.includes(`port ${portId(2)}: the port's host fragment is missing on the node`), drift.join('\n'));
  });

  it('a port dropped from the list is removed from the node; the drifted one is repaired', async () => {
    await network('create', [1, 2], 'carrier-3');
    assert.equal(existsSync(`${dir()}/ports/${portId(3)}.json`), false);
    assert.ok(existsSync(`${dir()}/ports/${portId(2)}.host`));
    assert.deepEqual(((await network('read', [1, 2])) as { drift: string[] }).drift, []);
  });
});
