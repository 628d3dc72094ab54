import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fn, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { DhcpNetwork, DhcpPort, l1 } from '../../index';
import { toTerraformAttributes } from '../../constructs/l1/attributes';
import { newNode, newStack, resourcesOf, synth, testingApp, type Synthesized } from './constructs-support';

const { DhcpagentProvider, NodeResource, NetworkResource, PortResource } = l1;

function outputs(stack: TerraformStack, values: Record<string, unknown>): Record<string, unknown> {
  for (const [name, value] of Object.entries(values)) new TerraformOutput(stack, name, { value });
  const json = synth(stack).json as Synthesized & { output: Record<string, { value: unknown }> };
  return Object.fromEntries(Object.entries(json.output).map(([k, v]) => [k, v.value]));
}

describe('l1: resource types', () => {
  it('names the Terraform types', () => {
    assert.equal(DhcpagentProvider.tfResourceType, 'dhcpagent');
    assert.equal(NodeResource.tfResourceType, 'dhcpagent_node');
    assert.equal(NetworkResource.tfResourceType, 'dhcpagent_network');
    assert.equal(PortResource.tfResourceType, 'dhcpagent_port');
  });
});

describe('l1: computed attributes are references', () => {
  it('NodeResource: hostname, dnsmasqVersion, drift', () => {
    const stack = newStack();
    const r = newNode(stack).resource;
    for (const v of [r.hostname, r.dnsmasqVersion, r.drift]) assert.ok(Token.isUnresolved(v));
    const id = `dhcpagent_node.${r.friendlyUniqueId}`;
    assert.deepEqual(outputs(stack, { hostname: r.hostname, dnsmasq: r.dnsmasqVersion, drift: r.drift }), {
      hostname: `\${${id}.hostname}`,
      dnsmasq: `\${${id}.dnsmasq_version}`,
      drift: `\${${id}.drift}`,
    });
  });

  it('NetworkResource: namespace, interfaceName, tapName, bridgeName, addresses, drift', () => {
    const stack = newStack();
    const node = newNode(stack);
    const net = new DhcpNetwork(stack, 'net', { agents: [node], bridge: 'br0', subnets: [{ cidr: '10.0.0.0/24' }] });
    const r = net.resourceFor(node);
    const id = `dhcpagent_network.${r.friendlyUniqueId}`;
    assert.deepEqual(
      outputs(stack, { ns: r.namespace, dev: r.interfaceName, tap: r.tapName, br: r.bridgeName, addresses: r.addresses, drift: r.drift }),
      {
        ns: `\${${id}.namespace}`,
        dev: `\${${id}.interface_name}`,
        tap: `\${${id}.tap_name}`,
        br: `\${${id}.bridge_name}`,
        addresses: `\${${id}.addresses}`,
        drift: `\${${id}.drift}`,
      },
    );
  });

  it('PortResource: drift; and references work inside Terraform functions', () => {
    const stack = newStack();
    const node = newNode(stack);
    const net = new DhcpNetwork(stack, 'net', { agents: [node], bridge: 'br0', subnets: [{ cidr: '10.0.0.0/24' }] });
    const p = new DhcpPort(stack, 'vm', { network: net, macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '10.0.0.10' }] });
    const r = p.resources[0];
    assert.ok(Token.isUnresolved(r.drift));
    assert.deepEqual(outputs(stack, { drift: r.drift, first: Fn.element(net.resourceFor(node).addresses, 0) }), {
      drift: `\${dhcpagent_port.${r.friendlyUniqueId}.drift}`,
      first: `\${element(dhcpagent_network.${net.resources[0].friendlyUniqueId}.addresses, 0)}`,
    });
  });
});

describe('l1: used directly', () => {
  it('NodeResource, NetworkResource and PortResource synthesize their config in snake_case, with meta-arguments', () => {
    const stack = new TerraformStack(testingApp(), 'direct');
    const provider = new DhcpagentProvider(stack, 'dhcpagent', { installIntoStack: false });
    const count = new TerraformVariable(stack, 'enabled', { type: 'number' });
    const node = { host: '192.0.2.10', insecureIgnoreHostKey: true, statePath: '/srv/agent' };
    const n = new NodeResource(stack, 'node', { provider, node, monitorIntervalSeconds: 15 });
    const net = new NetworkResource(stack, 'net', {
      provider,
      dependsOn: [n],
      count: count.numberValue,
      lifecycle: { ignoreChanges: ['name'] },
      node,
      networkId: 'net-1',
      bridge: 'br0',
      subnets: [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', allocationPools: [{ start: '10.0.0.10', end: '10.0.0.20' }] }],
      peerDhcpPorts: [{ id: 'p2', macAddress: 'fa:16:3e:00:00:02', ipAddresses: ['10.0.0.11'] }],
    });
    new PortResource(stack, 'port', {
      provider,
      dependsOn: [net],
      node,
      networkId: 'net-1',
      portId: 'port-1',
      macAddress: 'fa:16:3e:00:00:01',
      fixedIps: [{ ipAddress: '10.0.0.50' }],
      extraDhcpOpts: [{ optName: 'tftp-server', optValue: '10.0.0.5' }],
    });
    const { json } = synth(stack);
    assert.deepEqual(resourcesOf(json, 'dhcpagent_node')[0], { provider: 'dhcpagent', node: { host: '192.0.2.10', insecure_ignore_host_key: true, state_path: '/srv/agent' }, monitor_interval_seconds: 15 });
    const [netJson] = resourcesOf(json, 'dhcpagent_network');
    assert.deepEqual(netJson, {
      provider: 'dhcpagent',
      depends_on: [`dhcpagent_node.${n.friendlyUniqueId}`],
      count: '${var.enabled}',
      lifecycle: { ignore_changes: ['name'] },
      node: { host: '192.0.2.10', insecure_ignore_host_key: true, state_path: '/srv/agent' },
      network_id: 'net-1',
      bridge: 'br0',
      subnets: [{ cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1', allocation_pools: [{ start: '10.0.0.10', end: '10.0.0.20' }] }],
      peer_dhcp_ports: [{ id: 'p2', mac_address: 'fa:16:3e:00:00:02', ip_addresses: ['10.0.0.11'] }],
    });
    assert.deepEqual(resourcesOf(json, 'dhcpagent_port')[0], {
      provider: 'dhcpagent',
      depends_on: [`dhcpagent_network.${net.friendlyUniqueId}`],
      node: { host: '192.0.2.10', insecure_ignore_host_key: true, state_path: '/srv/agent' },
      network_id: 'net-1',
      port_id: 'port-1',
      mac_address: 'fa:16:3e:00:00:01',
      fixed_ips: [{ ip_address: '10.0.0.50' }],
      extra_dhcp_opts: [{ opt_name: 'tftp-server', opt_value: '10.0.0.5' }],
    });
  });

  it('DhcpagentProvider.of finds the stack provider or adds one named dhcpagent', () => {
    const stack = newStack();
    const added = DhcpagentProvider.of(stack);
    assert.equal(added.node.id, 'dhcpagent');
    assert.equal(DhcpagentProvider.of(stack), added);
    assert.equal(added.alias, undefined);
    added.alias = 'second';
    assert.deepEqual(synth(stack).json.provider, { dhcpagent: [{ alias: 'second' }] });
  });

  it('installIntoStack: false registers no synthesis hook', () => {
    const hook = Symbol.for('cdktf/customSynthesis');
    const stack = newStack();
    const off = new DhcpagentProvider(stack, 'off', { installIntoStack: false });
    const on = new DhcpagentProvider(stack, 'on', { alias: 'b' });
    assert.equal((off as unknown as Record<symbol, unknown>)[hook], undefined);
    assert.equal(typeof ((on as unknown as Record<symbol, { onSynthesize?: unknown }>)[hook]?.onSynthesize), 'function');
  });
});

describe('l1: toTerraformAttributes', () => {
  it('snake_cases keys of plain objects, recursively, and drops undefined', () => {
    assert.deepEqual(toTerraformAttributes({ ipAddress: '10.0.0.1', subnetId: undefined, hostRoutes: [{ destination: 'x', nextHop: 'y' }], ipv6RaMode: 'slaac' }), {
      ip_address: '10.0.0.1',
      host_routes: [{ destination: 'x', next_hop: 'y' }],
      ipv6_ra_mode: 'slaac',
    });
    assert.equal(toTerraformAttributes(undefined), undefined);
    assert.equal(toTerraformAttributes(null), null);
    assert.equal(toTerraformAttributes(5), 5);
  });

  it('passes tokens and class instances through untouched', () => {
    const stack = newStack();
    const list = new TerraformVariable(stack, 'l', { type: 'list(string)' }).listValue;
    const any = Token.asAny({ fooBar: 1 });
    const converted = toTerraformAttributes({ dnsServers: list, extra: any, when: new Date(0) }) as Record<string, unknown>;
    assert.equal(converted.dns_servers, list);
    assert.equal(converted.extra, any);
    assert.ok(converted.when instanceof Date);
  });
});
