/** Portable (provisioner) mode at synth time: carriers, their payloads, provisioners and escaping. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpNetwork, DhcpPort } from '../../constructs';
import { specFromValue } from '../../src/provider/resources/network';
import { portSpecFromValue } from '../../src/provider/resources/port';
import type { ObjectValue } from '../../src/provider/cty';
import { newNode, newStack, resourcesOf, synth } from './constructs-support';

function build(mode: 'provider' | 'provisioner', carrier?: 'terraform_data' | 'null_resource', optValue = '172.16.0.5') {
  const stack = newStack();
  const node = newNode(stack, 'n1', { mode, carrier });
  const net = new DhcpNetwork(stack, 'net', { agents: [node], bridge: 'br-lab', subnets: [{ cidr: '172.16.0.0/24', gatewayIp: '172.16.0.1' }] });
  new DhcpPort(stack, 'vm1', { network: net, macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '172.16.0.10' }], hostname: 'vm1', extraDhcpOpts: [{ optName: 'tftp-server', optValue }] });
  return { stack, node, net, ...synth(stack) };
}

describe('portable mode', () => {
  it('synthesizes terraform_data carriers instead of dhcpagent resources, and no dhcpagent provider', () => {
    const { json } = build('provisioner');
    assert.equal(resourcesOf(json, 'terraform_data').length, 3);
    assert.deepEqual(Object.keys(json.resource).sort(), ['terraform_data']);
    assert.equal(json.provider?.dhcpagent, undefined);
    assert.equal(json.terraform?.required_providers?.dhcpagent, undefined);
  });

  it('carries the same handler spec the provider would get', () => {
    const provider = build('provider').json;
    const portable = build('provisioner').json;
    const payloads = resourcesOf(portable, 'terraform_data').map((r) => (r.input as { dhcp_agent: string; payload: string }));
    const network = payloads.find((p) => p.dhcp_agent === 'network')!;
    const port = payloads.find((p) => p.dhcp_agent === 'port')!;
    const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !['depends_on', 'provider'].includes(k)));
    assert.deepEqual(specFromValue(JSON.parse(network.payload) as ObjectValue), specFromValue(strip(resourcesOf(provider, 'dhcpagent_network')[0]) as never));
    assert.deepEqual(portSpecFromValue(JSON.parse(port.payload) as ObjectValue), portSpecFromValue(strip(resourcesOf(provider, 'dhcpagent_port')[0]) as never));
    assert.deepEqual((JSON.parse(network.payload) as ObjectValue).dhcp_ip_addresses, ['172.16.0.2'], 'addresses are allocated at synth time');
  });

  it('runs the handlers from create and destroy provisioners that read only self, replaced before destroyed', () => {
    const { json } = build('provisioner');
    for (const r of resourcesOf(json, 'terraform_data')) {
      const kind = (r.input as { dhcp_agent: string }).dhcp_agent;
      const provisioners = r.provisioner as { 'local-exec': { command: string; when?: string; environment: Record<string, string> } }[];
      const [create, destroy] = provisioners.map((p) => p['local-exec']);
      assert.match(create.command, new RegExp(`^node -e '.*' handler ${kind} create$`, 's'));
      assert.match(destroy.command, new RegExp(`handler ${kind} delete$`));
      assert.equal(destroy.when, 'destroy');
      for (const p of [create, destroy]) assert.deepEqual(p.environment, { DHCP_AGENT_SPEC: '${self.input.payload}', DHCP_AGENT_GENERATION: '${self.id}' });
      assert.doesNotMatch(create.command, /\$\{|%\{/, 'the command has no Terraform template');
      assert.deepEqual(r.lifecycle, { create_before_destroy: true });
      assert.match((r.triggers_replace as { digest: string }).digest, /^[0-9a-f]{64}$/);
    }
  });

  it('escapes Terraform templates in user values', () => {
    const { json } = build('provisioner', undefined, 'http://x/${y}%{z}');
    const port = resourcesOf(json, 'terraform_data').map((r) => r.input as { dhcp_agent: string; payload: string }).find((p) => p.dhcp_agent === 'port')!;
    assert.match(port.payload, /http:\/\/x\/\$\$\{y\}%%\{z\}/);
  });

  it('uses null_resource with the hashicorp/null provider when asked', () => {
    const { json } = build('provisioner', 'null_resource');
    const carriers = resourcesOf(json, 'null_resource');
    assert.equal(carriers.length, 3);
    // The null provider block has the short source `null`, which Terraform reads as hashicorp/null.
    assert.equal(json.terraform?.required_providers?.null?.source, 'null');
    for (const r of carriers) {
      const env = (r.provisioner as { 'local-exec': { environment: Record<string, string> } }[])[1]['local-exec'].environment;
      assert.equal(env.DHCP_AGENT_SPEC, '${self.triggers.payload}');
      assert.ok(typeof (r.triggers as { payload: string }).payload === 'string');
    }
  });

  it('has no L1 resources to hand out in provisioner mode, and says so', () => {
    const { node, net } = build('provisioner');
    assert.throws(() => node.resource, /dhcp agent node 'n1' \(stack\/n1\): resource: none in provisioner mode/);
    assert.throws(() => net.resourceFor(node), /which is in provisioner mode; its carrier is elements\[0\]/);
    assert.equal(net.resources.length, 0);
    assert.equal(net.elements.length, 1);
  });

  it('refuses an unknown mode or carrier', () => {
    const stack = newStack();
    assert.throws(() => newNode(stack, 'a', { mode: 'ansible' as never }), /mode: got "ansible"; "provider" or "provisioner"/);
    assert.throws(() => newNode(stack, 'b', { carrier: 'local' as never }), /carrier: got "local"; "terraform_data" or "null_resource"/);
  });
});
