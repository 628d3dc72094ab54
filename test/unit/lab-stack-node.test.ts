import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { labNode, labNodeTfvars } from '../../src/lab/stack-node';

const dir = mkdtempSync(join(tmpdir(), 'lab-stack-node-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const node = (i: number) => ({
  name: `n${i}`,
  index: i,
  address: `198.18.0.${4 * i + 2}`,
  port: 22,
  user: 'dalabroot',
  privateKeyPath: `${dir}/id_ed25519`,
  hostKeySha256: `SHA256:${String(i).repeat(43)}`,
  knownHostsPath: `${dir}/n${i}/known_hosts`,
  bridge: 'br-x',
  statePath: `${dir}/n${i}/agent-state`,
  ...(i === 1 ? { physicalInterface: 'eth1' } : {}),
});
writeFileSync(join(dir, 'lab.json'), JSON.stringify({ version: 1, name: 'x', dir, state: 'up', nodes: [node(0), node(1)] }));

describe('labNode: a stack takes a lab node by name', () => {
  it('gives DhcpAgentNode props with the lab user, key, known_hosts and state path', () => {
    const n = labNode('x', { dir });
    assert.deepEqual(n.props, { host: '198.18.0.2', port: 22, user: 'dalabroot', privateKeyPath: `${dir}/id_ed25519`, knownHostsPath: `${dir}/n0/known_hosts`, statePath: `${dir}/n0/agent-state` });
    assert.equal(n.hostKeySha256, `SHA256:${'0'.repeat(43)}`);
    assert.equal(n.bridge, 'br-x');
    assert.equal(labNode('x', { dir, node: 1 }).physicalInterface, 'eth1');
  });

  it('says how to make the lab or the node when it is missing', () => {
    assert.throws(() => labNode('nolab', { dir: join(dir, 'none') }), /lab nolab is not up .*sudo npx dhcp-agent lab up --name nolab/);
    assert.throws(() => labNode('x', { dir, node: 2 }), /lab x has 2 node\(s\); node 2 asked for \(dhcp-agent lab up --name x --nodes 3\)/);
    assert.throws(() => labNode('../etc', { dir }), /lab name/);
  });

  it('prints the node as terraform.tfvars for examples/hcl/main.tf', () => {
    assert.equal(
      labNodeTfvars('x', { dir }),
      [
        'node_host = "198.18.0.2"',
        'node_user = "dalabroot"',
        `private_key_path = "${dir}/id_ed25519"`,
        `known_hosts_path = "${dir}/n0/known_hosts"`,
        `state_path = "${dir}/n0/agent-state"`,
        'bridge = "br-x"',
        '',
      ].join('\n'),
    );
  });
});
