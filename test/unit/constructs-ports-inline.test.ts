/** `portsInline` at synth time: the network resources hold the ports, the old port resources are forgotten, the handler specs are the same. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpNetwork, DhcpPort } from '../../constructs';
import { inlinePortsFromValue, specFromValue } from '../../src/provider/resources/network';
import { portSpecFromValue } from '../../src/provider/resources/port';
import type { ObjectValue } from '../../src/provider/cty';
import { newNode, newStack, resourcesOf, synth, type Synthesized } from './constructs-support';

function build(portsInline: boolean, mode: 'provider' | 'provisioner' = 'provider') {
  const stack = newStack();
  const nodes = [newNode(stack, 'n1', { mode }), newNode(stack, 'n2', { host: '192.0.2.11', mode })];
  const net = new DhcpNetwork(stack, 'net', {
    agents: nodes,
    bridge: 'br-lab',
    subnets: [{ cidr: '172.16.0.0/24', gatewayIp: '172.16.0.1' }],
    portsInline,
  });
  const vm1 = new DhcpPort(stack, 'vm1', {
    network: net,
    macAddress: 'FA:16:3E:00:00:01',
    fixedIps: [{ ipAddress: '172.16.0.10' }],
    hostname: 'vm1',
    extraDhcpOpts: [{ optName: 'tftp-server', optValue: '172.16.0.5' }],
  });
  const vm2 = new DhcpPort(stack, 'vm2', {
    network: net,
    macAddress: 'fa:16:3e:00:00:02',
    fixedIps: [{ ipAddress: '172.16.0.11' }],
    metadata: {
      instanceId: 'i-2',
      publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB alice'],
    },
  });
  return { stack, net, vm1, vm2, ...synth(stack) };
}

const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !['depends_on', 'provider', 'lifecycle'].includes(k))) as ObjectValue;

function removedFroms(json: Synthesized): string[] {
  return (
    (
      json as unknown as {
        removed?: { from: string; lifecycle: { destroy: boolean } }[];
      }
    ).removed ?? []
  ).map((r) => {
    assert.deepEqual(r.lifecycle, { destroy: false }, 'forgotten, never destroyed');
    return r.from;
  });
}

describe('DhcpNetwork portsInline', () => {
  it("puts the ports in each agent's dhcpagent_network and makes no dhcpagent_port", () => {
    const { json, vm1, vm2, net } = build(true);
    assert.equal(json.resource.dhcpagent_port, undefined);
    const networks = resourcesOf(json, 'dhcpagent_network');
    assert.equal(networks.length, 2);
    for (const n of networks)
      assert.deepEqual(
        (n.ports as { id: string }[]).map((p) => p.id),
        [vm1.portId, vm2.portId],
      );
    assert.deepEqual(vm1.resources, []);
    assert.deepEqual(vm1.elements, net.elements, 'the resources that hold the port');
  });

  it('gives the handlers the same port specs the separate dhcpagent_port resources give', () => {
    const separate = build(false).json;
    const inline = build(true).json;
    const fromPorts = resourcesOf(separate, 'dhcpagent_port').map((r) => portSpecFromValue(strip(r)));
    const fromNetworks = resourcesOf(inline, 'dhcpagent_network').flatMap((r) => inlinePortsFromValue(strip(r))!);
    const key = (s: { statePath: string; port: { id: string } }) => `${s.port.id}`;
    assert.deepEqual(
      fromNetworks
        .map((s) => ({
          ...s,
          port: { ...s.port, fixedIps: s.port.fixedIps.map((f) => ({ ...f })) },
        }))
        .sort((a, b) => key(a).localeCompare(key(b))),
      fromPorts.sort((a, b) => key(a).localeCompare(key(b))),
    );
    // The network itself is unchanged by the mode.
    assert.deepEqual(
      resourcesOf(inline, 'dhcpagent_network').map((r) => specFromValue(strip(r))),
      resourcesOf(separate, 'dhcpagent_network').map((r) => specFromValue(strip(r))),
    );
  });

  it('forgets, without destroying, exactly the dhcpagent_port resources the same stack had without it', () => {
    const separate = build(false).json;
    const inline = build(true).json;
    const addresses = Object.keys(separate.resource.dhcpagent_port).map((id) => `dhcpagent_port.${id}`);
    assert.equal(addresses.length, 4);
    assert.deepEqual(removedFroms(inline).sort(), addresses.sort());
    assert.deepEqual(removedFroms(separate), [], 'nothing forgotten without portsInline');
  });

  it('in portable mode: the network carriers carry the ports, the port carriers are forgotten', () => {
    const separate = build(false, 'provisioner').json;
    const inline = build(true, 'provisioner').json;
    const carriers = (json: Synthesized) =>
      Object.entries(json.resource.terraform_data).map(([id, r]) => ({
        id,
        input: r.input as { dhcp_agent: string; payload: string },
      }));
    const portCarriers = carriers(separate).filter((c) => c.input.dhcp_agent === 'port');
    assert.equal(portCarriers.length, 4);
    assert.deepEqual(
      carriers(inline).filter((c) => c.input.dhcp_agent === 'port'),
      [],
    );
    assert.deepEqual(removedFroms(inline).sort(), portCarriers.map((c) => `terraform_data.${c.id}`).sort());
    const payload = JSON.parse(carriers(inline).find((c) => c.input.dhcp_agent === 'network')!.input.payload) as ObjectValue;
    const specs = inlinePortsFromValue(payload)!;
    assert.deepEqual(
      specs.map((s) => s.port.macAddress),
      ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02'],
    );
    assert.deepEqual(specs[1].metadata, {
      instanceId: 'i-2',
      publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB alice'],
    });
  });
});
