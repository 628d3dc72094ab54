import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fn, Testing, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { DhcpAgentNode } from '../../constructs';
import { DhcpagentProvider, NodeResource } from '../../constructs/l1';
import { PROVIDER_SOURCE, providerVersion } from '../../src/provider/version';
import { FINGERPRINT, assertRejects, newStack, resourcesOf, synth } from './constructs-support';

const WHERE = "dhcp agent node 'n' (stack/n)";

describe('DhcpAgentNode: props → dhcpagent_node', () => {
  it('writes every prop under its snake_case name', () => {
    const stack = newStack();
    new DhcpAgentNode(stack, 'n', {
      host: 'node1.example.org',
      port: 2222,
      user: 'ops',
      privateKeyPath: '~/.ssh/id_ed25519',
      hostKeySha256: FINGERPRINT,
      become: 'sudo',
      statePath: '/srv/dhcp-agent',
      monitorIntervalSeconds: 30,
    });
    const { text, json } = synth(stack);
    assert.ok(
      Testing.toHaveResourceWithProperties(text, 'dhcpagent_node', {
        monitor_interval_seconds: 30,
        node: {
          host: 'node1.example.org',
          port: 2222,
          user: 'ops',
          private_key_path: '~/.ssh/id_ed25519',
          host_key_sha256: FINGERPRINT,
          become: 'sudo',
          state_path: '/srv/dhcp-agent',
        },
      }),
    );
    const [node] = resourcesOf(json, 'dhcpagent_node');
    // Exactly these attributes: nothing camelCase, no known_hosts_path next to the fingerprint.
    assert.deepEqual(Object.keys(node).sort(), ['monitor_interval_seconds', 'node', 'provider']);
    assert.deepEqual(Object.keys(node.node as object).sort(), ['become', 'host', 'host_key_sha256', 'port', 'private_key_path', 'state_path', 'user']);
  });

  it('knownHostsPath → node.known_hosts_path, insecureIgnoreHostKey → node.insecure_ignore_host_key', () => {
    const stack = newStack();
    new DhcpAgentNode(stack, 'a', { host: '192.0.2.1', knownHostsPath: '/etc/ssh/ssh_known_hosts' });
    new DhcpAgentNode(stack, 'b', { host: '192.0.2.2', insecureIgnoreHostKey: true });
    const [a, b] = resourcesOf(synth(stack).json, 'dhcpagent_node');
    assert.equal((a.node as Record<string, unknown>).known_hosts_path, '/etc/ssh/ssh_known_hosts');
    assert.equal((a.node as Record<string, unknown>).insecure_ignore_host_key, undefined);
    assert.equal((b.node as Record<string, unknown>).insecure_ignore_host_key, true);
    assert.equal((b.node as Record<string, unknown>).known_hosts_path, undefined);
  });

  it('defaults: port 22, user root, statePath /var/lib/dhcp-agent, known_hosts ~/.ssh/known_hosts, no key path, no become, monitor interval left to the provider (60)', () => {
    const stack = newStack();
    const n = new DhcpAgentNode(stack, 'n', { host: '192.0.2.10' });
    const [node] = resourcesOf(synth(stack).json, 'dhcpagent_node');
    assert.deepEqual(node.node, { host: '192.0.2.10', port: 22, user: 'root', state_path: '/var/lib/dhcp-agent', known_hosts_path: '~/.ssh/known_hosts' });
    assert.equal(node.monitor_interval_seconds, undefined);
    assert.equal(n.port, 22);
    assert.equal(n.user, 'root');
    assert.equal(n.statePath, '/var/lib/dhcp-agent');
    assert.equal(n.host, '192.0.2.10');
  });

  it('no default known_hosts file when the host key is pinned or ignored', () => {
    const stack = newStack();
    const pinned = new DhcpAgentNode(stack, 'a', { host: '192.0.2.1', hostKeySha256: FINGERPRINT });
    const ignored = new DhcpAgentNode(stack, 'b', { host: '192.0.2.2', insecureIgnoreHostKey: true });
    assert.equal(pinned.connection.knownHostsPath, undefined);
    assert.equal(ignored.connection.knownHostsPath, undefined);
  });

  it('accepts IPv6 addresses, host names and every documented boundary', () => {
    const stack = newStack();
    for (const [i, props] of [
      { host: '2001:db8::10', port: 1, monitorIntervalSeconds: 1 },
      { host: 'node-1', port: 65535, monitorIntervalSeconds: 3600, user: 'svc_dhcp$' },
      { host: 'node1.example.org.', user: '_agent' },
    ].entries()) {
      new DhcpAgentNode(stack, `n${i}`, { ...props, insecureIgnoreHostKey: true });
    }
    assert.equal(resourcesOf(synth(stack).json, 'dhcpagent_node').length, 3);
  });

  it('exposes connection, resource and provider', () => {
    const stack = newStack();
    const n = new DhcpAgentNode(stack, 'n', { host: '192.0.2.10', user: 'ops', become: 'sudo', privateKeyPath: '/k', insecureIgnoreHostKey: true });
    assert.deepEqual(n.connection, {
      host: '192.0.2.10',
      port: 22,
      user: 'ops',
      privateKeyPath: '/k',
      hostKeySha256: undefined,
      knownHostsPath: undefined,
      insecureIgnoreHostKey: true,
      become: 'sudo',
      statePath: '/var/lib/dhcp-agent',
    });
    assert.ok(n.resource instanceof NodeResource);
    assert.equal(n.resource.node.path, 'stack/n/Resource');
    assert.ok(n.provider instanceof DhcpagentProvider);
  });
});

describe('DhcpAgentNode: provider', () => {
  it('adds one dhcpagent provider per stack and required_providers with the source and the package version', () => {
    const stack = newStack();
    const a = new DhcpAgentNode(stack, 'a', { host: '192.0.2.1', insecureIgnoreHostKey: true });
    const b = new DhcpAgentNode(stack, 'b', { host: '192.0.2.2', insecureIgnoreHostKey: true });
    assert.equal(a.provider, b.provider);
    const { text, json } = synth(stack);
    assert.ok(Testing.toHaveProvider(text, 'dhcpagent'));
    assert.deepEqual(json.provider, { dhcpagent: [{}] });
    assert.deepEqual(json.terraform?.required_providers, { dhcpagent: { source: PROVIDER_SOURCE, version: providerVersion() } });
    for (const r of resourcesOf(json, 'dhcpagent_node')) assert.equal(r.provider, 'dhcpagent');
  });

  it('uses a provider declared beforehand (alias) instead of adding one', () => {
    const stack = newStack();
    const p = new DhcpagentProvider(stack, 'own', { alias: 'lab', installIntoStack: false });
    const n = new DhcpAgentNode(stack, 'n', { host: '192.0.2.1', insecureIgnoreHostKey: true });
    assert.equal(n.provider, p);
    const { json } = synth(stack);
    assert.deepEqual(json.provider, { dhcpagent: [{ alias: 'lab' }] });
    assert.equal(resourcesOf(json, 'dhcpagent_node')[0].provider, 'dhcpagent.lab');
  });
});

describe('DhcpAgentNode: validation', () => {
  const make = (props: Record<string, unknown>) => () => new DhcpAgentNode(newStack(), 'n', { host: '192.0.2.10', ...props });

  it('host', () => {
    assertRejects(make({ host: 'bad host!' }), { where: WHERE, path: 'host', got: '"bad host!"', allowed: 'an IPv4/IPv6 address or a host name' });
    assertRejects(make({ host: '' }), { where: WHERE, path: 'host', got: '""', allowed: 'an IPv4/IPv6 address or a host name' });
    assertRejects(make({ host: '-oProxyCommand=x' }), { where: WHERE, path: 'host', got: '"-oProxyCommand=x"', allowed: 'an IPv4/IPv6 address or a host name' });
  });

  it('port', () => {
    for (const port of [0, 65536, 22.5]) {
      assertRejects(make({ port }), { where: WHERE, path: 'port', got: String(port), allowed: 'a TCP port from 1 to 65535' });
    }
  });

  it('user', () => {
    assertRejects(make({ user: 'Bad User' }), { where: WHERE, path: 'user', got: '"Bad User"', allowed: 'a Unix user name' });
    assertRejects(make({ user: 'root;id' }), { where: WHERE, path: 'user', got: '"root;id"', allowed: 'a Unix user name' });
  });

  it('privateKeyPath: key material is refused and not echoed in full', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';
    const err = assertRejects(make({ privateKeyPath: key }), {
      where: WHERE,
      path: 'privateKeyPath',
      got: '"(value not shown: it holds key material)"',
      allowed: /^the path of a private key file .*key material itself is never accepted .*; found a PEM or OpenSSH key block$/,
    });
    assert.doesNotMatch(err.message, /b3BlbnNz|BEGIN/);
    assertRejects(make({ privateKeyPath: '' }), {
      where: WHERE,
      path: 'privateKeyPath',
      got: '""',
      allowed: /^the path of a private key file \(e\.g\. ~\/\.ssh\/id_ed25519\), or unset to use ssh-agent; key material itself is never accepted \(it would land in plan, state and messages\)$/,
    });
  });

  it('hostKeySha256', () => {
    for (const fp of ['MD5:aa:bb:cc', 'SHA256:short', `sha256:${FINGERPRINT.slice(7)}`]) {
      assertRejects(make({ hostKeySha256: fp }), {
        where: WHERE,
        path: 'hostKeySha256',
        got: JSON.stringify(fp),
        allowed: 'a fingerprint as ssh-keygen -lf prints it: SHA256: followed by 43 base64 characters',
      });
    }
  });

  it('at most one of hostKeySha256, knownHostsPath and insecureIgnoreHostKey', () => {
    const allowed = 'at most one of hostKeySha256, knownHostsPath and insecureIgnoreHostKey';
    assertRejects(make({ hostKeySha256: FINGERPRINT, knownHostsPath: '/k' }), {
      where: WHERE,
      path: 'hostKeySha256',
      got: JSON.stringify({ hostKeySha256: FINGERPRINT, knownHostsPath: '/k' }),
      allowed,
    });
    assertRejects(make({ knownHostsPath: '/k', insecureIgnoreHostKey: true }), {
      where: WHERE,
      path: 'hostKeySha256',
      got: '{"knownHostsPath":"/k","insecureIgnoreHostKey":true}',
      allowed,
    });
    assertRejects(make({ hostKeySha256: FINGERPRINT, insecureIgnoreHostKey: true }), {
      where: WHERE,
      path: 'hostKeySha256',
      got: JSON.stringify({ hostKeySha256: FINGERPRINT, insecureIgnoreHostKey: true }),
      allowed,
    });
    // insecureIgnoreHostKey: false is no choice at all.
    assert.doesNotThrow(make({ hostKeySha256: FINGERPRINT, insecureIgnoreHostKey: false }));
  });

  it('become', () => {
    assertRejects(make({ become: 'su' }), { where: WHERE, path: 'become', got: '"su"', allowed: '"sudo" or unset' });
  });

  it('statePath', () => {
    const allowed = 'an absolute path of at most 4095 characters made of letters, digits, ".", "_", "-" and "/", below "/" (not "/" itself), without empty, "." or ".." segments';
    for (const p of ['relative/dir', '/srv/../etc', '/srv/with space', '/srv/$(id)']) {
      assertRejects(make({ statePath: p }), { where: WHERE, path: 'statePath', got: JSON.stringify(p), allowed });
    }
  });

  it('monitorIntervalSeconds', () => {
    for (const s of [0, 0.5, 3601]) {
      assertRejects(make({ monitorIntervalSeconds: s }), { where: WHERE, path: 'monitorIntervalSeconds', got: String(s), allowed: 'a whole number of seconds from 1 to 3600' });
    }
  });

  it('reports every bad prop at once, one line each', () => {
    assertRejects(
      make({ host: 'a b', port: 0, user: 'A', become: 'doas' }),
      { where: WHERE, path: 'host', got: '"a b"', allowed: 'an IPv4/IPv6 address or a host name' },
      { where: WHERE, path: 'port', got: '0', allowed: 'a TCP port from 1 to 65535' },
      { where: WHERE, path: 'user', got: '"A"', allowed: 'a Unix user name' },
      { where: WHERE, path: 'become', got: '"doas"', allowed: '"sudo" or unset' },
    );
  });

  it('names the construct by id and full path', () => {
    const stack = newStack();
    const group = new Construct(stack, 'site-a');
    assertRejects(() => new DhcpAgentNode(group, 'n7', { host: 'x y' }), {
      where: "dhcp agent node 'n7' (stack/site-a/n7)",
      path: 'host',
      got: '"x y"',
      allowed: 'an IPv4/IPv6 address or a host name',
    });
  });
});

describe('DhcpAgentNode: tokens are not validated', () => {
  it('accepts every prop as an unresolved token and writes the references', () => {
    const stack = newStack();
    const v = (name: string, type = 'string') => new TerraformVariable(stack, name, { type });
    new DhcpAgentNode(stack, 'n', {
      host: v('host').stringValue,
      port: v('port', 'number').numberValue,
      user: Fn.lookup({ prod: 'ops' }, 'prod', 'root') as string,
      privateKeyPath: Token.asString(v('key').value),
      hostKeySha256: v('fp').stringValue,
      become: v('become').stringValue as 'sudo',
      statePath: v('state').stringValue,
      monitorIntervalSeconds: v('interval', 'number').numberValue,
    });
    const [node] = resourcesOf(synth(stack).json, 'dhcpagent_node');
    assert.deepEqual(node.node, {
      host: '${var.host}',
      port: '${var.port}',
      user: '${lookup({"prod" = "ops"}, "prod", "root")}',
      private_key_path: '${var.key}',
      host_key_sha256: '${var.fp}',
      become: '${var.become}',
      state_path: '${var.state}',
    });
    assert.equal(node.monitor_interval_seconds, '${var.interval}');
  });
});

describe('DhcpAgentNode: goneForGood', () => {
  it('marks the dhcpagent_node and lists the node in the provider block (gone_nodes)', () => {
    const stack = newStack();
    new DhcpAgentNode(stack, 'n', { host: '192.0.2.11', insecureIgnoreHostKey: true, goneForGood: true });
    new DhcpAgentNode(stack, 'v6', { host: 'fd00::11', port: 2222, insecureIgnoreHostKey: true, goneForGood: true });
    new DhcpAgentNode(stack, 'alive', { host: '192.0.2.12', insecureIgnoreHostKey: true });
    const { json } = synth(stack);
    const nodes = resourcesOf(json, 'dhcpagent_node');
    const gone = Object.fromEntries(nodes.map((n) => [(n.node as { host: string }).host, n.gone_for_good]));
    assert.deepEqual(gone, { '192.0.2.11': true, 'fd00::11': true, '192.0.2.12': undefined });
    const [provider] = json.provider!.dhcpagent as Record<string, unknown>[];
    assert.deepEqual(provider.gone_nodes, ['192.0.2.11:22', '[fd00::11]:2222']);
  });

  it('leaves the provider block without gone_nodes when no node is gone', () => {
    const stack = newStack();
    new DhcpAgentNode(stack, 'n', { host: '192.0.2.11', insecureIgnoreHostKey: true });
    const [provider] = synth(stack).json.provider!.dhcpagent as Record<string, unknown>[];
    assert.equal(provider.gone_nodes, undefined);
  });

  it('is refused in provisioner mode and as anything but a boolean', () => {
    const make = (props: Record<string, unknown>) => () => new DhcpAgentNode(newStack(), 'n', { host: '192.0.2.11', insecureIgnoreHostKey: true, ...props });
    assertRejects(make({ goneForGood: true, mode: 'provisioner' }), { where: WHERE, path: 'goneForGood', got: 'true', allowed: 'goneForGood only in provider mode (portable mode has no provider to skip the node)' });
    assertRejects(make({ goneForGood: 'yes' }), { where: WHERE, path: 'goneForGood', got: '"yes"', allowed: 'true or false' });
  });
});
