import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { servesMetadataV6 } from '../../src/agent/metadata-proxy';
import { METADATA_SERVER } from '../../src/agent/metadata-server';
import { deriveNetwork } from '../../src/agent/network-script';
import type { NetworkSpec } from '../../src/agent/spec';
import { validateNetworkSpec } from '../../src/agent/validate-spec';
import { networkSpec } from '../support/specs';
import { DIR_INDEX, EC2_VERSION, renderMetadataTree, renderServerConfig, treeDigest, type MetadataEntry, type MetadataSubject } from '../../src/metadata';
import { formatIssue } from '../../src/model/errors';
import { SECRET_SHOWN_AS } from '../../src/model/secrets';
import { MAX_USER_DATA_BYTES, metadataIssues } from '../../src/model/validate';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqZ1pXlY0m7oGz9mYQ3sVq2b5r8m9cFhWZ3v2Rk0x1A alice@laptop';
const KEY2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 bob';
const PORT = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';

function subject(over: Partial<MetadataSubject> = {}): MetadataSubject {
  return { portId: PORT, ipAddresses: ['fd00::5', '10.0.0.5'], defaultHostname: 'host-10-0-0-5', metadata: {}, ...over };
}

function files(entries: readonly MetadataEntry[]): Map<string, string> {
  return new Map(entries.flatMap((e) => ('content' in e ? [[e.path, e.content] as [string, string]] : [])));
}

describe('renderMetadataTree', () => {
  it('EC2: the meta-data listing, leaves, defaults (instance id = port id, DHCP host name, first IPv4)', () => {
    const f = files(renderMetadataTree(subject()));
    assert.equal(f.get(`latest/meta-data/${DIR_INDEX}`), 'hostname\ninstance-id\nlocal-hostname\nlocal-ipv4');
    assert.equal(f.get('latest/meta-data/instance-id'), PORT);
    assert.equal(f.get('latest/meta-data/hostname'), 'host-10-0-0-5');
    assert.equal(f.get('latest/meta-data/local-ipv4'), '10.0.0.5');
    // No user-data: EC2 answers 404, which cloud-init reads as none.
    assert.equal(f.has('latest/user-data'), false);
    assert.equal(f.get(`latest/${DIR_INDEX}`), 'meta-data/');
  });

  it('EC2: public keys as cloud-init walks them (<n>=<name>, then <n>/openssh-key)', () => {
    const f = files(renderMetadataTree(subject({ metadata: { publicKeys: [KEY, KEY2] } })));
    assert.match(f.get(`latest/meta-data/${DIR_INDEX}`)!, /\npublic-keys\/$/);
    assert.equal(f.get(`latest/meta-data/public-keys/${DIR_INDEX}`), '0=key-0\n1=key-1');
    assert.equal(f.get(`latest/meta-data/public-keys/1/${DIR_INDEX}`), 'openssh-key');
    assert.equal(f.get('latest/meta-data/public-keys/0/openssh-key'), KEY);
  });

  it('EC2: the fallback version cloud-init probes is a link to latest; / lists both', () => {
    const entries = renderMetadataTree(subject());
    assert.deepEqual(entries.find((e) => e.path === EC2_VERSION), { path: EC2_VERSION, linkTo: 'latest' });
    assert.equal(files(entries).get(DIR_INDEX), `${EC2_VERSION}\nlatest`);
  });

  it('OpenStack: meta_data.json holds uuid, hostname, keys; user_data and network_data.json when given', () => {
    const net = JSON.stringify({ links: [], networks: [], services: [] });
    const f = files(renderMetadataTree(subject({ metadata: { instanceId: 'i-0abc', hostname: 'web1', userData: '#cloud-config\n', publicKeys: [KEY], networkConfig: net } })));
    assert.equal(f.get(`openstack/${DIR_INDEX}`), 'latest');
    const md = JSON.parse(f.get('openstack/latest/meta_data.json')!) as { uuid: string; hostname: string; public_keys: unknown; keys: unknown };
    assert.equal(md.uuid, 'i-0abc');
    assert.equal(md.hostname, 'web1');
    assert.deepEqual(md.public_keys, { 'key-0': KEY });
    assert.deepEqual(md.keys, [{ name: 'key-0', type: 'ssh', data: KEY }]);
    assert.equal(f.get('openstack/latest/user_data'), '#cloud-config\n');
    assert.equal(f.get('openstack/latest/network_data.json'), net);
    assert.equal(f.get('latest/user-data'), '#cloud-config\n');
    assert.equal(f.get(`openstack/latest/${DIR_INDEX}`), 'meta_data.json\nuser_data\nnetwork_data.json');
  });

  it('without network config there is no network_data.json; without IPv4 no local-ipv4', () => {
    const f = files(renderMetadataTree(subject({ ipAddresses: ['fd00::5'] })));
    assert.equal(f.has('openstack/latest/network_data.json'), false);
    assert.equal(f.has('latest/meta-data/local-ipv4'), false);
  });

  it('the digest names the content: same input, same digest; any change, another', () => {
    const a = treeDigest(renderMetadataTree(subject({ metadata: { userData: 'a' } })));
    assert.equal(a, treeDigest(renderMetadataTree(subject({ metadata: { userData: 'a' } }))));
    assert.notEqual(a, treeDigest(renderMetadataTree(subject({ metadata: { userData: 'b' } }))));
    assert.match(a, /^[0-9a-f]{16}$/);
  });
});

describe('metadataIssues', () => {
  it('accepts a complete, valid metadata', () => {
    assert.deepEqual(metadataIssues({ instanceId: 'i-0abc', hostname: 'web1.example.org', userData: 'x', publicKeys: [KEY], networkConfig: '{"links":[]}' }, 'metadata'), []);
  });

  it('names field, value and what is allowed', () => {
    const [i] = metadataIssues({ instanceId: '../etc' }, 'metadata');
    assert.equal(i.path, 'metadata.instanceId');
    assert.equal(i.value, '../etc');
    assert.match(i.allowed, /instance id/);
    const [h] = metadataIssues({ hostname: 'bad name' }, 'metadata');
    assert.equal(h.path, 'metadata.hostname');
    const [k] = metadataIssues({ publicKeys: [KEY, 'not a key'] }, 'metadata');
    assert.equal(k.path, 'metadata.publicKeys[1]');
    assert.match(k.allowed, /ssh-ed25519/);
    const [n] = metadataIssues({ networkConfig: '{' }, 'metadata');
    assert.match(n.allowed, /not JSON/);
    assert.match(metadataIssues({ networkConfig: '[]' }, 'metadata')[0].allowed, /not an object/);
  });

  it('never repeats user-data, nor a private key given as a public key', () => {
    const secret = 'password: hunter2'.padEnd(MAX_USER_DATA_BYTES + 1, 'x');
    const [u] = metadataIssues({ userData: secret }, 'metadata');
    assert.equal(u.value, SECRET_SHOWN_AS);
    assert.doesNotMatch(formatIssue(u), /hunter2/);
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    const [k] = metadataIssues({ publicKeys: [pem] }, 'metadata');
    assert.doesNotMatch(formatIssue(k), /b3BlbnNz/);
    assert.match(k.allowed, /private key/);
  });
});

describe('renderServerConfig', () => {
  it('one root per client address, the directory listing with or without a slash, workers as the given user', () => {
    const conf = renderServerConfig({ networkId: 'n1', byIpDir: '/s/dhcp/n1/metadata/by-ip', listen: ['169.254.169.254:80'], pidFile: '/p', errorLog: '/e', tempDir: '/t', user: 'www-data', group: 'www-data' });
    assert.match(conf, /^ {8}root \/s\/dhcp\/n1\/metadata\/by-ip\/\$remote_addr;$/m);
    assert.match(conf, /^ {8}listen 169\.254\.169\.254:80;$/m);
    assert.match(conf, new RegExp(`try_files \\$uri/${DIR_INDEX.replace('.', '\\.')} \\$uri =404;`));
    assert.match(conf, /^user www-data www-data;$/m);
    assert.doesNotMatch(conf, /autoindex on/);
  });
});

describe('metadataServerSidecar and metadata: { builtin: true }', () => {
  const netSpec = (metadata: NetworkSpec['metadata'], isolated = true): NetworkSpec => ({
    ...networkSpec({ name: 'n0', bridge: 'br0', statePath: '/var/lib/dhcp-agent' }, { networkId: 'a1b00000-0000-4000-8000-000000000001', options: { enableIsolatedMetadata: isolated } }),
    ...(metadata ? { metadata } : {}),
  });

  it('builtin: an nginx sidecar reloaded by SIGHUP, known by its title; no haproxy, no IPv6 address', () => {
    const d = deriveNetwork(netSpec({ builtin: true }));
    assert.deepEqual(d.sidecars.map((s) => s.name), [METADATA_SERVER]);
    const sc = d.sidecars[0];
    assert.equal(sc.reloadSignal, 'HUP');
    assert.equal(sc.title, `nginx: master process ${sc.argv.join(' ')}`);
    assert.match(sc.config, /root \/var\/lib\/dhcp-agent\/dhcp\/a1b00000-0000-4000-8000-000000000001\/metadata\/by-ip\/\$remote_addr;/);
    assert.match(sc.config, /listen 169\.254\.169\.254:80;/);
    assert.equal(servesMetadataV6(netSpec({ builtin: true })), false);
    // The proxy's network gets haproxy and no nginx.
    assert.deepEqual(deriveNetwork(netSpec({ backendUrl: 'http://10.0.0.5:8775' })).sidecars.map((s) => s.name), ['metadata-proxy']);
  });

  it('builtin excludes a backend, naming the field; it needs the metadata address like the proxy', () => {
    const issues = (s: NetworkSpec) => validateNetworkSpec(s).filter((i) => i.path.startsWith('metadata'));
    assert.deepEqual(issues(netSpec({ builtin: true })), []);
    const [both] = issues(netSpec({ builtin: true, backendUrl: 'http://10.0.0.5:8775' }));
    assert.equal(both.path, 'metadata.builtin');
    assert.match(both.allowed, /^builtin alone: not with backendUrl/);
    assert.equal(issues(netSpec({ builtin: false }))[0].path, 'metadata.builtin');
    assert.equal(issues(netSpec({ builtin: true }, false))[0].path, 'metadata.builtin');
  });
});
