/**
 * The metadata proxy on a node that boots systemd (`labUp({ init: 'systemd' })`): haproxy is the
 * main process of its own unit, `dhcp-agent-sc-<h>-metadata-proxy@<network>.service`; systemd
 * respawns it when it is killed; removing the metadata disables the unit; the network's delete
 * and the node's delete leave no unit, template or process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import { sidecarPaths } from '../../src/agent/sidecar';
import { sidecarUnitName, sidecarUnitTemplateName } from '../../src/agent/systemd-units';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, systemdNodeUnavailableReason, type Lab, type LabNode } from '../../src/lab';
import { waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec } from '../support/specs';

const LAB = 'mdpsys';
const skip = labUnavailableReason() ?? systemdNodeUnavailableReason();
const NET = 'a7200000-0000-4000-8000-000000000001';

describe('metadata proxy on a systemd lab node', { skip }, () => {
  let lab: Lab;
  let node: LabNode;
  let pool: SshPool;
  let host: SshHost;
  // haproxy starts without its backend: it connects only when a request comes.
  const net = (metadata = true) => ({ ...networkSpec(node, { networkId: NET, options: { enableIsolatedMetadata: true } }), ...(metadata ? { metadata: { backendSocket: '/var/lib/mdp-none.sock' } } : {}) });
  const unit = () => sidecarUnitName(node.statePath, 'metadata-proxy', NET);
  async function inNode(command: string): Promise<string> {
    const r = await lab.inNode(node, command);
    assert.equal(r.code, 0, `in node: ${command}\n${r.stdout}\n${r.stderr}`);
    return r.stdout.trim();
  }
  const proxyPid = async () => Number(await inNode(`cat ${sidecarPaths(`${node.statePath}/dhcp/${NET}`, 'metadata-proxy').pid} 2>/dev/null || echo 0`));
  const mainPid = async () => Number(await inNode(`systemctl show -p MainPID --value ${unit()}`));

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB, init: 'systemd' }));
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('haproxy is its unit’s main process, enabled; a killed one comes back through systemd', async (t) => {
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    const st = await agent.applyNetwork(host, net());
    assert.deepEqual(st.sidecarActions, { 'metadata-proxy': 'started' });
    assert.deepEqual(st.drift, []);
    assert.equal(await inNode(`systemctl is-active ${unit()}`), 'active');
    assert.equal(await inNode(`systemctl is-enabled ${unit()}`), 'enabled');
    const pid = await proxyPid();
    assert.equal(await mainPid(), pid);

    await inNode(`kill -9 ${pid}`);
    const t0 = Date.now();
    await waitFor('systemd to restart haproxy', async () => (await mainPid()) > 0 && (await mainPid()) !== pid && (await proxyPid()) === (await mainPid()), 15_000);
    t.diagnostic(`systemd restarted the killed haproxy in ${Date.now() - t0} ms (RestartSec=2)`);
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
  });

  // Counted by our config file: the image's Debian haproxy package runs its own haproxy.service too.
  it('without metadata the unit is disabled and stopped; delete and node delete leave nothing', async () => {
    const off = await agent.applyNetwork(host, net(false));
    assert.deepEqual(off.sidecarActions, { 'metadata-proxy': 'removed' });
    assert.deepEqual(off.drift, []);
    assert.notEqual(await inNode(`systemctl is-active ${unit()} || true`), 'active');
    assert.equal(await inNode(`pgrep -c -f 'sidecars/metadata-proxy[.]conf' || true`), '0');
    await agent.applyNetwork(host, net());
    await agent.deleteNetwork(host, net());
    assert.equal(await inNode(`pgrep -c -f 'sidecars/metadata-proxy[.]conf' || true`), '0');
    assert.notEqual(await inNode(`systemctl is-enabled ${unit()} 2>/dev/null || true`), 'enabled');
    await agent.deleteNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    assert.equal(await inNode(`ls /etc/systemd/system/ | grep -c '${sidecarUnitTemplateName(node.statePath, 'metadata-proxy')}' || true`), '0');
  });
});
