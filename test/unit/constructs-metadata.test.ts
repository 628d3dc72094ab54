/** DhcpNetwork's `metadata` prop: what reaches `dhcpagent_network`, and what is refused at synth time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TerraformStack } from 'cdktf';
import { DhcpNetwork, type DhcpNetworkProps } from '../../constructs';
import { assertRejects, newNode, newStack, resourcesOf, synth } from './constructs-support';

const WHERE = "dhcp network 'net' (stack/net)";

function network(stack: TerraformStack, props: Partial<DhcpNetworkProps> = {}): DhcpNetwork {
  return new DhcpNetwork(stack, 'net', { agents: [newNode(stack)], bridge: 'br-lab', subnets: [{ cidr: '10.0.0.0/24' }], enableIsolatedMetadata: true, ...props });
}

describe('DhcpNetwork metadata', () => {
  it('a backend URL or socket becomes metadata_backend_url / metadata_backend_socket', () => {
    const a = newStack();
    network(a, { metadata: { backendUrl: 'http://10.0.0.5:8775' } });
    const [url] = resourcesOf(synth(a).json, 'dhcpagent_network');
    assert.equal(url.metadata_backend_url, 'http://10.0.0.5:8775');
    assert.equal(url.metadata_backend_socket, undefined);
    const b = newStack();
    network(b, { metadata: { backendSocket: '/var/lib/neutron/metadata_proxy' } });
    assert.equal(resourcesOf(synth(b).json, 'dhcpagent_network')[0].metadata_backend_socket, '/var/lib/neutron/metadata_proxy');
  });

  it('none: neither attribute', () => {
    const s = newStack();
    network(s);
    const [r] = resourcesOf(synth(s).json, 'dhcpagent_network');
    assert.ok(!('metadata_backend_url' in r) && !('metadata_backend_socket' in r));
  });

  it('refuses a bad URL, two backends, and a backend without isolated or forced metadata', () => {
    assertRejects(() => network(newStack(), { metadata: { backendUrl: 'http://10.0.0.5:8775/latest' } }), {
      where: WHERE,
      path: 'metadata.backendUrl',
      got: '"http://10.0.0.5:8775/latest"',
      allowed: 'http://<host>:<port>, the host an IPv4 address, a bracketed IPv6 address or a DNS name, the port 1–65535, nothing after it',
    });
    assertRejects(() => network(newStack(), { metadata: { backendUrl: 'http://10.0.0.5:8775', backendSocket: '/s' } }), {
      where: WHERE,
      path: 'metadata.backendUrl',
      got: '"http://10.0.0.5:8775"',
      allowed: 'exactly one of backendUrl and backendSocket (both given)',
    });
    assertRejects(() => network(newStack(), { enableIsolatedMetadata: false, metadata: { backendSocket: '/s' } }), {
      where: WHERE,
      path: 'metadata.backendSocket',
      got: '"/s"',
      allowed: 'a metadata backend only with enableIsolatedMetadata or forceMetadata, which put 169.254.169.254 on the DHCP device and route clients to it',
    });
  });
});
