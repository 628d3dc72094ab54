/**
 * Issue 10's input fixes, each shown failing before its fix: bad values that got through, key
 * material in a key path, unbounded reports, import ids with "+", the warning of a node move.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpNetwork } from '../../constructs';
import { ValidationError } from '../../src/model/errors';
import type { Network, Port } from '../../src/model/types';
import { MAX_EXTRA_DHCP_OPTS, validatePort } from '../../src/model/validate';
import { keyMaterialIn } from '../../src/model/secrets';
import { validateNode } from '../../src/provider/resources/connection';
import { planWithDrift } from '../../src/provider/resources/drift-plan';
import { diagnosticsFor } from '../../src/provider/resources/errors';
import { parseImportId } from '../../src/provider/resources/import-id';
import { networkSchema } from '../../src/provider/resources/network';
import { assertRejects, newNode, newStack } from './constructs-support';

const SUB = 'b7e3a9c2-1d4f-4e8a-9b6c-0f2e3d4c5b61';
const network: Network = {
  id: 'net-1',
  subnets: [{ id: SUB, cidr: '10.0.0.0/24', ipVersion: 4, gatewayIp: '10.0.0.1', enableDhcp: true, dnsNameservers: [], hostRoutes: [], allocationPools: [], ipv6AddressMode: null, ipv6RaMode: null }],
  ports: [],
};
const port = (over: Partial<Port>): Port => ({ id: 'p1', macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: SUB, ipAddress: '10.0.0.10' }], deviceOwner: '', extraDhcpOpts: [], ...over });
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';

describe('issue 10: input that got through', () => {
  it('two fixed IPs of one port on one subnet are refused, naming the second', () => {
    const issues = validatePort(port({ fixedIps: [{ subnetId: SUB, ipAddress: '10.0.0.10' }, { subnetId: SUB, ipAddress: '10.0.0.11' }] }), network);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].path, 'fixedIps[1].ipAddress');
    assert.equal(issues[0].value, '10.0.0.11');
    assert.match(issues[0].allowed, /at most one address per subnet \(fixedIps\[0\] is on subnet b7e3a9c2/);
  });

  it(`5,000 extra options are refused at once, fast, as one issue (more than ${MAX_EXTRA_DHCP_OPTS})`, (t) => {
    const opts = Array.from({ length: 5000 }, (_, i) => ({ optName: `bad name ${i}`, optValue: 'x', ipVersion: 4 as const }));
    const start = performance.now();
    const issues = validatePort(port({ extraDhcpOpts: opts }), network);
    t.diagnostic(`5,000 options refused in ${(performance.now() - start).toFixed(1)} ms`);
    assert.deepEqual(issues.map((i) => [i.path, i.value]), [['extraDhcpOpts', '(a list of 5000 options)']]);
    assert.match(issues[0].allowed, /at most 100 extra DHCP options per port/);
  });

  it('a report of many issues shows the first 20 and counts the rest (message and diagnostics)', () => {
    const opts = Array.from({ length: 60 }, (_, i) => ({ optName: `bad name ${i}`, optValue: 'x', ipVersion: 4 as const }));
    const err = new ValidationError(validatePort(port({ extraDhcpOpts: opts }), network));
    assert.equal(err.issues.length, 60);
    const lines = err.message.split('\n');
    assert.equal(lines.length, 21);
    assert.match(lines[20], /^… and 40 more issue\(s\) \(60 in all; the first 20 are shown\)$/);
    const diags = diagnosticsFor('Plan of dhcpagent_port', err);
    assert.equal(diags.length, 21);
    assert.match(diags[20].detail ?? '', /40 more/);
  });

  const make = (props: Record<string, unknown>) => () => {
    const stack = newStack();
    new DhcpNetwork(stack, 'net', { agents: [newNode(stack)], bridge: 'br0', subnets: [{ cidr: '10.0.0.0/24' }], ...props });
  };
  const WHERE = "dhcp network 'net' (stack/net)";

  for (const [label, name] of [['newline', 'a\nb'], ['NUL', 'a\0b'], ['U+2028', 'a\u2028b'], ['U+0085', 'a\u0085b']]) {
    it(`a network name with ${label} is refused at synth`, () => {
      assertRejects(make({ name }), { where: WHERE, path: 'name', got: JSON.stringify(name), allowed: /no control characters .*; found U\+/ });
    });
  }

  it('a VLAN sub-interface name over 15 characters is refused at synth', () => {
    assertRejects(make({ bridge: undefined, physicalInterface: 'enp0s31f6abcd', vlanId: 100 }), {
      where: WHERE,
      path: 'vlanId',
      got: '100',
      allowed: 'a VLAN id short enough that "enp0s31f6abcd.<vlan>" fits Linux\'s 15-character interface names',
    });
  });
});

describe('issue 10: key material in private_key_path', () => {
  it('is recognised in its forms, and never quoted', () => {
    for (const v of [KEY, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU', '/a\nb', 'x'.repeat(5000), '-----BEGIN RSA PRIVATE KEY-----']) assert.ok(keyMaterialIn(v), v.slice(0, 20));
    for (const v of ['~/.ssh/id_ed25519', '/root/.ssh/id_rsa', 'keys/lab key']) assert.equal(keyMaterialIn(v), null);
  });

  it('ValidateResourceConfig refuses it at node.private_key_path without repeating it', () => {
    const diags = validateNode({ node: { host: 'h', private_key_path: KEY } });
    assert.equal(diags.length, 1);
    assert.deepEqual(diags[0].attribute, ['node', 'private_key_path']);
    assert.match(diags[0].detail ?? '', /value not shown: it holds key material.*found a PEM or OpenSSH key block/);
    assert.doesNotMatch(JSON.stringify(diags), /BEGIN|b3BlbnNz/);
    assert.deepEqual(validateNode({ node: { host: 'h', private_key_path: '~/.ssh/id_ed25519' } }), []);
  });

  it('private_key_path is marked sensitive in the schema', () => {
    const node = networkSchema.attributes.node;
    assert.ok(node.nested && node.nested.attributes.private_key_path.sensitive);
  });
});

describe('issue 10: smaller', () => {
  it('a "+" in an import id\'s host_key_sha256 stays a "+"', () => {
    const fp = 'SHA256:ab+cd/ef+gh';
    const id = parseImportId(`root@192.0.2.1/net-1?host_key_sha256=${fp}`, 1);
    assert.equal(id.connection.hostKeySha256, fp);
    assert.equal(parseImportId(`root@192.0.2.1/net-1?host_key_sha256=${encodeURIComponent(fp)}`, 1).connection.hostKeySha256, fp);
  });

  it('changing node.host, node.port or node.state_path plans a replacement with a warning that says what is lost', () => {
    const prior = { node: { host: 'a', port: 22, state_path: '/x' }, network_id: 'n', drift: [] };
    const r = planWithDrift(networkSchema, prior, { ...prior, node: { host: 'b', port: 22, state_path: '/y' } }, []);
    assert.deepEqual(r.requiresReplace, [['node', 'host'], ['node', 'state_path']]);
    assert.equal(r.diagnostics?.length, 1);
    assert.equal(r.diagnostics[0].severity, 'warning');
    assert.match(r.diagnostics[0].summary, /node\.host, node\.state_path changed: replacement/);
    assert.match(r.diagnostics[0].detail ?? '', /torn down on the old node \(dnsmasq stopped, its leases lost\)/);
    assert.equal(planWithDrift(networkSchema, prior, { ...prior, name: 'x' }, []).diagnostics, undefined);
  });
});
