/**
 * The metadata proxy's config (src/agent/metadata-proxy.ts), as neutron's metadata driver
 * renders it, and the validation of the network's metadata settings (src/model/validate/metadata.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metadataProxySidecar, renderProxyConfig, servesMetadataV6 } from '../../src/agent/metadata-proxy';
import { deriveNetwork } from '../../src/agent/network-script';
import type { NetworkSpec } from '../../src/agent/spec';
import { validateNetworkSpec } from '../../src/agent/validate-spec';
import { checkMetadataBackendSocket, checkMetadataBackendUrl } from '../../src/model/validate';
import { DEVICE_OWNER_DHCP } from '../../src/model/types';
import { networkSpec } from '../support/specs';

const NODE = { name: 'n0', bridge: 'brunit0', statePath: '/var/lib/dhcp-agent' };
const NET = 'net-meta';
const DIR = `/var/lib/dhcp-agent/dhcp/${NET}/sidecars`;

function spec(metadata: NetworkSpec['metadata'], o: { v6?: boolean; peer?: boolean; isolated?: boolean } = {}): NetworkSpec {
  const s = networkSpec(NODE, { networkId: NET, options: { enableIsolatedMetadata: o.isolated ?? true } });
  const subnets = o.v6
    ? [...s.network.subnets, { ...s.network.subnets[0], id: 'b0000000-0000-4000-8000-000000000006', cidr: 'fd00:1::/64', ipVersion: 6 as const, gatewayIp: null, allocationPools: [], ipv6AddressMode: 'dhcpv6-stateful' as const }]
    : s.network.subnets;
  const peer = { id: 'peer-port', macAddress: 'fa:16:3e:00:00:99', fixedIps: [{ subnetId: s.network.subnets[0].id, ipAddress: '172.16.0.3' }], deviceOwner: DEVICE_OWNER_DHCP, extraDhcpOpts: [] };
  return { ...s, network: { ...s.network, subnets, ports: o.peer ? [...s.network.ports, peer] : s.network.ports }, ...(metadata ? { metadata } : {}) };
}

describe('renderProxyConfig', () => {
  it('neutron’s listener: 169.254.169.254:80, http mode, X-Forwarded-For, the network id, client headers dropped, a unix socket backend', () => {
    assert.equal(
      renderProxyConfig({ networkId: NET, backend: { backendSocket: '/var/lib/neutron/metadata_proxy' } }),
      [
        `# cdktf-dhcp-agent: metadata proxy of network ${NET}; generated, do not edit.`,
        'global',
        '    user haproxy',
        '    group haproxy',
        '    maxconn 1024',
        '',
        'defaults',
        '    mode http',
        '    option http-server-close',
        '    option forwardfor',
        '    retries 3',
        '    timeout http-request 30s',
        '    timeout connect 30s',
        '    timeout client 32s',
        '    timeout server 32s',
        '    timeout http-keep-alive 30s',
        '',
        'listen listener',
        '    bind 169.254.169.254:80',
        '    server metadata /var/lib/neutron/metadata_proxy',
        '    http-request del-header X-Neutron-Router-ID',
        '    http-request del-header X-Neutron-Network-ID',
        `    http-request add-header X-Neutron-Network-ID ${NET}`,
        '',
      ].join('\n'),
    );
  });

  it('an HTTP backend: host:port of the URL (IPv6 bracketed, a trailing slash dropped)', () => {
    assert.match(renderProxyConfig({ networkId: NET, backend: { backendUrl: 'http://10.0.0.5:8775' } }), /^ {4}server metadata 10\.0\.0\.5:8775$/m);
    assert.match(renderProxyConfig({ networkId: NET, backend: { backendUrl: 'http://[fd00::5]:8775/' } }), /^ {4}server metadata \[fd00::5\]:8775$/m);
  });

  it('IPv6: also [fe80::a9fe:a9fe]:80 on the DHCP device', () => {
    assert.match(renderProxyConfig({ networkId: NET, backend: { backendSocket: '/s' }, ipv6Interface: 'ns-1' }), /^ {4}bind 169\.254\.169\.254:80\n {4}bind \[fe80::a9fe:a9fe\]:80 interface ns-1$/m);
  });
});

describe('the metadata proxy of a network spec', () => {
  it('none without metadata', () => {
    assert.deepEqual(deriveNetwork(spec(undefined)).sidecars, []);
  });

  it('haproxy with its config file and pid file as arguments, restarted (not reloaded) on a change', () => {
    const d = deriveNetwork(spec({ backendSocket: '/run/meta.sock' }));
    const sc = metadataProxySidecar(spec({ backendSocket: '/run/meta.sock' }), d)!;
    assert.deepEqual(d.sidecars, [sc]);
    assert.deepEqual(sc.argv, ['haproxy', '-f', `${DIR}/metadata-proxy.conf`, '-D', '-p', `${DIR}/metadata-proxy.pid`]);
    assert.equal(sc.reloadSignal, undefined);
    assert.equal(sc.package, 'haproxy');
  });

  it('IPv6 metadata (fe80::a9fe:a9fe/64 on the device, bound by haproxy) with an IPv6 subnet this agent alone serves', () => {
    const v6 = deriveNetwork(spec({ backendSocket: '/s' }, { v6: true }));
    assert.ok(v6.addresses.includes('fe80::a9fe:a9fe/64'));
    assert.match(v6.sidecars[0].config, new RegExp(`bind \\[fe80::a9fe:a9fe\\]:80 interface ${v6.interfaceName}`));
    assert.equal(servesMetadataV6(spec({ backendSocket: '/s' }, { v6: true, peer: true })), false, 'a peer agent would put the same address on the link');
    assert.equal(servesMetadataV6(spec({ backendSocket: '/s' })), false, 'no IPv6 subnet');
    assert.ok(!deriveNetwork(spec({ backendSocket: '/s' })).addresses.includes('fe80::a9fe:a9fe/64'));
  });
});

describe('metadata validation', () => {
  const issues = (s: NetworkSpec) => validateNetworkSpec(s).filter((i) => i.path.startsWith('metadata'));

  it('accepts an HTTP URL (IPv4, IPv6, DNS name) or a socket path', () => {
    for (const url of ['http://10.0.0.5:8775', 'http://[fd00::5]:80', 'http://metadata.example.org:8775/']) assert.equal(checkMetadataBackendUrl(url, 'u'), null, url);
    assert.equal(checkMetadataBackendSocket('/var/lib/neutron/metadata_proxy', 's'), null);
    assert.deepEqual(issues(spec({ backendUrl: 'http://10.0.0.5:8775' })), []);
  });

  it('refuses what could not reach haproxy’s config unchanged, naming field, value and what is allowed', () => {
    for (const url of ['https://10.0.0.5:8775', 'http://10.0.0.5', 'http://10.0.0.5:0', 'http://10.0.0.5:70000', 'http://10.0.0.5:8775/path', 'http://999.1.1.1:80', 'http://[zz::1]:80', 'http://a b:80', 'http://10.0.0.5:8775\nserver x 1.2.3.4:80']) {
      assert.deepEqual(checkMetadataBackendUrl(url, 'metadata.backendUrl'), {
        path: 'metadata.backendUrl',
        value: url,
        allowed: 'http://<host>:<port>, the host an IPv4 address, a bracketed IPv6 address or a DNS name, the port 1–65535, nothing after it',
      }, url);
    }
    for (const path of ['relative.sock', '/a/../b', '/a b', '/a//b', `/${'x'.repeat(107)}`]) assert.ok(checkMetadataBackendSocket(path, 's'), path);
  });

  it('exactly one backend', () => {
    assert.deepEqual(issues(spec({})), [{ path: 'metadata.backendUrl', value: null, allowed: 'exactly one of backendUrl and backendSocket (neither given)' }]);
    assert.deepEqual(issues(spec({ backendUrl: 'http://10.0.0.5:8775', backendSocket: '/s' })), [
      { path: 'metadata.backendUrl', value: 'http://10.0.0.5:8775', allowed: 'exactly one of backendUrl and backendSocket (both given)' },
    ]);
  });

  it('needs enableIsolatedMetadata or forceMetadata (the address and the route)', () => {
    assert.deepEqual(issues(spec({ backendSocket: '/s' }, { isolated: false })), [
      { path: 'metadata.backendSocket', value: '/s', allowed: 'a metadata backend only with enableIsolatedMetadata or forceMetadata, which put 169.254.169.254 on the DHCP device and route clients to it' },
    ]);
  });
});
