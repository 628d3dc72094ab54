import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/model/errors';
import { expandHome, poolKey, resolveSshHostConfig, sshLabel } from '../../src/host/ssh-config';
import { SshHost, SshPool, remoteCommand } from '../../src/host/ssh';
import { shq } from '../../src/host/quote';

const PIN = 'SHA256:4RYLf5taXO8z1dLNx5bESQruLh9J+7yfBV9uVFdIGME';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.issues.map((i) => i.path);
  }
  assert.fail('expected a ValidationError');
}

describe('SshHostConfig', () => {
  it('applies defaults', () => {
    const c = resolveSshHostConfig({ host: '198.51.100.4', hostKeySha256: PIN });
    assert.equal(c.port, 22);
    assert.equal(c.user, 'root');
    assert.equal(c.maxChannels, 8);
    assert.equal(c.connectTimeoutMs, 15000);
    assert.equal(c.keepaliveIntervalMs, 15000);
    assert.deepEqual(c.trust, { kind: 'pin', fingerprint: PIN });
    assert.equal(sshLabel(c), 'root@198.51.100.4:22');
  });

  it('requires exactly one host-key setting and names the three fields', () => {
    for (const bad of [
      { host: 'h' },
      { host: 'h', hostKeySha256: PIN, insecureIgnoreHostKey: true },
      { host: 'h', knownHostsPath: '/k', hostKeySha256: PIN },
    ]) {
      assert.throws(
        () => resolveSshHostConfig(bad),
        (err: Error) => err instanceof ValidationError && /hostKeySha256\/knownHostsPath\/insecureIgnoreHostKey/.test(err.message),
      );
    }
    assert.deepEqual(resolveSshHostConfig({ host: 'h', insecureIgnoreHostKey: true }).trust, { kind: 'insecure' });
    // `insecureIgnoreHostKey: false` counts as unset.
    assert.deepEqual(resolveSshHostConfig({ host: 'h', insecureIgnoreHostKey: false, knownHostsPath: '/k' }).trust, {
      kind: 'known-hosts',
      path: '/k',
    });
  });

  it('lists every bad field at once', () => {
    const paths = issuesOf(() =>
      resolveSshHostConfig({
        host: 'bad host',
        port: 70000,
        user: '-oProxyCommand=x',
        hostKeySha256: 'MD5:00',
        maxChannels: 0,
        connectTimeoutMs: -1,
        become: 'su' as 'sudo',
      }),
    );
    assert.deepEqual(paths.sort(), ['ssh.become', 'ssh.connectTimeoutMs', 'ssh.host', 'ssh.hostKeySha256', 'ssh.maxChannels', 'ssh.port', 'ssh.user']);
  });

  it('expands ~ in key and known_hosts paths', () => {
    assert.equal(expandHome('~/.ssh/id_ed25519'), join(homedir(), '.ssh/id_ed25519'));
    assert.equal(expandHome('~'), homedir());
    assert.equal(expandHome('/abs/~/x'), '/abs/~/x');
    const c = resolveSshHostConfig({ host: 'h', privateKeyPath: '~/.ssh/k', knownHostsPath: '~/.ssh/known_hosts' });
    assert.equal(c.privateKeyPath, join(homedir(), '.ssh/k'));
    assert.deepEqual(c.trust, { kind: 'known-hosts', path: join(homedir(), '.ssh/known_hosts') });
  });

  it('labels IPv6 hosts with brackets', () => {
    assert.equal(sshLabel(resolveSshHostConfig({ host: '2001:db8::1', port: 2222, user: 'ops', insecureIgnoreHostKey: true })), 'ops@[2001:db8::1]:2222');
  });

  it('shares a pool entry only between configs that trust and authenticate alike', () => {
    const base = { host: 'h', privateKeyPath: '/k' };
    const a = poolKey(resolveSshHostConfig({ ...base, hostKeySha256: PIN }));
    assert.equal(a, poolKey(resolveSshHostConfig({ ...base, hostKeySha256: PIN, become: 'sudo', maxChannels: 4 })));
    assert.notEqual(a, poolKey(resolveSshHostConfig({ ...base, insecureIgnoreHostKey: true })));
    assert.notEqual(a, poolKey(resolveSshHostConfig({ ...base, hostKeySha256: PIN, user: 'other' })));
    assert.notEqual(a, poolKey(resolveSshHostConfig({ ...base, hostKeySha256: PIN, port: 2222 })));
    assert.notEqual(a, poolKey(resolveSshHostConfig({ host: 'h', hostKeySha256: PIN })));
  });

  it('SshHost validates on construction and does not connect', () => {
    const pool = new SshPool();
    assert.throws(() => pool.get({ host: 'h' }), ValidationError);
    const h = new SshHost({ host: '198.51.100.4', insecureIgnoreHostKey: true, privateKeyPath: '/nonexistent' }, pool);
    assert.equal(h.label, 'root@198.51.100.4:22');
    assert.deepEqual(pool.stats(), [{ label: 'root@198.51.100.4:22', connected: false, connects: 0 }]);
  });

  it('reports a missing private key as an auth error before any network traffic', async () => {
    const pool = new SshPool();
    const h = pool.get({ host: '127.0.0.1', port: 9, insecureIgnoreHostKey: true, privateKeyPath: '/nonexistent/key' });
    await assert.rejects(h.run('true', { timeoutMs: 5000 }), (err: Error & { kind?: string }) => {
      assert.equal(err.kind, 'auth');
      assert.match(err.message, /cannot read private key \/nonexistent\/key \(privateKeyPath\)/);
      return true;
    });
    await pool.closeAll();
  });

  it('without key nor agent says which settings are missing', async () => {
    const saved = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    try {
      const pool = new SshPool();
      const h = pool.get({ host: '127.0.0.1', port: 9, insecureIgnoreHostKey: true });
      await assert.rejects(h.run('true', { timeoutMs: 5000 }), /no SSH credentials: set privateKeyPath, or run an ssh-agent and export SSH_AUTH_SOCK/);
    } finally {
      if (saved !== undefined) process.env.SSH_AUTH_SOCK = saved;
    }
  });
});

describe('remoteCommand', () => {
  it('bounds the command with timeout and keeps stdin, output and status', () => {
    const line = remoteCommand('sh -s', 1500, false);
    assert.match(line, /exec timeout -s KILL 4 sh -s/);
    const out = execFileSync('sh', ['-c', `${line}; echo unreachable`], { input: 'echo "$0 ran"; exit 0', encoding: 'utf8' });
    assert.equal(out, 'sh ran\n');
    const r = spawnSync('sh', ['-c', remoteCommand(`sh -c ${shq("echo 'quoted' && exit 5")}`, 1000, false)], { encoding: 'utf8' });
    assert.deepEqual([r.status, r.stdout], [5, 'quoted\n']);
  });

  it('falls back to an unbounded run where timeout is missing', () => {
    const r = spawnSync('/bin/sh', ['-c', remoteCommand('sh -s', 1000, false)], { input: 'echo fallback', encoding: 'utf8', env: { PATH: '/nonexistent' } });
    // without PATH neither timeout nor sh is found by name: the fallback branch was taken
    assert.equal(r.status, 127);
    assert.match(r.stderr, /sh/);
  });

  it('wraps the whole bounded line in sudo -n sh -c', () => {
    const line = remoteCommand('sh -s', 1000, true);
    assert.ok(line.startsWith("sudo -n -- sh -c 'if command -v timeout"), line);
  });
});
