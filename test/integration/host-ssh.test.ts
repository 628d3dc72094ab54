/**
 * SshHost against a real sshd: a lab node (network namespace + OpenSSH) on this machine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { HostError, SshHost, SshPool, hashHostName } from '../../src/host';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';

const LAB = 'thssh';
const skip = labUnavailableReason();

let lab: Lab;
let node: LabNode;
const pools: SshPool[] = [];

/** A pool of its own per test, so connection counts are the test's own. */
function hostFor(opts: Parameters<Lab['sshHostConfig']>[1] = {}, extra: Record<string, unknown> = {}): SshHost {
  const pool = new SshPool();
  pools.push(pool);
  return pool.get({ ...lab.sshHostConfig(0, opts), ...extra });
}

/** Runs a command inside the node's network namespace (not over SSH). */
function inNode(...argv: string[]): string {
  return execFileSync('nsenter', [`--net=/run/netns/${node.netns}`, ...argv], { encoding: 'utf8' });
}

/** Established TCP connections to the node's sshd, seen from inside the node. */
function sshConnections(): number {
  return inNode('ss', '-Htn', 'state', 'established', '( sport = :22 )').split('\n').filter((l) => l.trim() !== '').length;
}

/** Waits until the node sees `n` established SSH connections (closing ones of a previous test linger briefly). */
async function settleConnections(n: number): Promise<void> {
  for (let i = 0; i < 40 && sshConnections() !== n; i++) await new Promise((r) => setTimeout(r, 50));
}

/** Processes in the node's network namespace with their command lines. */
function nodeProcesses(): Array<{ pid: number; cmd: string }> {
  const pids = execFileSync('ip', ['netns', 'pids', node.netns], { encoding: 'utf8' }).split('\n').map(Number).filter((p) => p > 0);
  return pids.flatMap((pid) => {
    try {
      return [{ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() }];
    } catch {
      return [];
    }
  });
}

/** pids of the sshd processes serving connections (everything sshd in the node but the listener). */
function sessionSshdPids(): number[] {
  return nodeProcesses()
    .filter((p) => p.pid !== node.sshdPid && p.cmd.startsWith('sshd:'))
    .map((p) => p.pid);
}

function isHostError(kind: HostError['kind'], pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof HostError, `expected HostError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('SshHost on a lab node', { skip }, () => {
  before(async () => {
    lab = await labUp({ name: LAB });
    node = lab.node(0);
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.closeAll()));
  });
  after(async () => {
    await labDown(LAB);
  });

  it('runs scripts: stdout, stderr, exit codes, stdin-sized scripts', async () => {
    const h = hostFor();
    assert.equal(h.label, `${node.user}@${node.address}:22`);
    assert.deepEqual(await h.run('echo out; echo err >&2; exit 7'), { code: 7, stdout: 'out\n', stderr: 'err\n' });
    assert.deepEqual(await h.run('true'), { code: 0, stdout: '', stderr: '' });
    assert.equal((await h.run('printf "%s" "é✓"')).stdout, 'é✓');
    assert.equal((await h.run('kill -TERM $$')).code, 143);
    const big = `${'# filler line for a large script\n'.repeat(100_000)}echo end`;
    assert.ok(big.length > 3_000_000);
    assert.equal((await h.run(big)).stdout, 'end\n');
    // the script runs in the node's network namespace, reached through the lab link
    assert.match((await h.run('ip -br addr')).stdout, new RegExp(node.address.replace(/\./g, '\\.')));
  });

  it('writes and reads files: text, binary, 5 MB, mode, atomic replace', async () => {
    const h = hostFor();
    const dir = `${node.statePath}/files test`;
    await h.run(`mkdir -p '${dir}'`);
    const text = `${dir}/it's.txt`;
    await h.writeFile(text, 'héllo\n');
    assert.equal((await h.readFile(text))?.toString('utf8'), 'héllo\n');
    assert.equal((await h.run(`stat -c %a "${dir}/it's.txt"`)).stdout.trim(), '644');

    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await h.writeFile(`${dir}/bin`, binary, { mode: 0o600 });
    assert.deepEqual(await h.readFile(`${dir}/bin`), binary);
    assert.equal((await h.run(`stat -c %a '${dir}/bin'`)).stdout.trim(), '600');

    const large = randomBytes(5 * 1024 * 1024);
    const started = Date.now();
    await h.writeFile(`${dir}/large`, large, { mode: 0o640 });
    const back = await h.readFile(`${dir}/large`);
    assert.ok(back !== null && back.equals(large), '5 MB file round-trips byte for byte');
    assert.ok(Date.now() - started < 20_000);
    assert.deepEqual(readFileSync(`${dir}/large`), large, 'the bytes on disk are the ones sent');

    // Replacement goes through rename: a new inode, no temporary file left.
    const inode = (await h.run(`stat -c %i '${dir}/bin'`)).stdout;
    await h.writeFile(`${dir}/bin`, 'replaced', { mode: 0o644 });
    assert.notEqual((await h.run(`stat -c %i '${dir}/bin'`)).stdout, inode);
    assert.equal((await h.readFile(`${dir}/bin`))?.toString(), 'replaced');
    assert.equal((await h.run(`ls -A '${dir}' | grep -c tmp || true`)).stdout.trim(), '0');

    assert.equal(await h.readFile(`${dir}/missing`), null);
    await assert.rejects(h.readFile(dir), isHostError('other', /readFile .*: exit code \d+: .*[Ii]s a directory/));
    await assert.rejects(h.writeFile(`${dir}/no/such/dir/f`, 'x'), isHostError('other', /writeFile/));
  });

  it('shares one TCP connection among 20 concurrent runs, at most maxChannels at a time', async (t) => {
    await settleConnections(0);
    const h = hostFor();
    await h.run('true');
    assert.equal(sshConnections(), 1);

    const probes: Promise<number>[] = [];
    const runs = Array.from({ length: 20 }, (_, i) => h.run(`sleep 0.3; echo ${i}`));
    for (const delay of [100, 400, 700]) probes.push(new Promise((r) => setTimeout(() => r(sshConnections()), delay)));
    const results = await Promise.all(runs);
    results.forEach((r, i) => assert.deepEqual(r, { code: 0, stdout: `${i}\n`, stderr: '' }));
    assert.deepEqual(await Promise.all(probes), [1, 1, 1]);
    assert.equal(h.connects, 1);

    // Timing figures for the report.
    let t0 = process.hrtime.bigint();
    const n = 10;
    for (let i = 0; i < n; i++) await h.run('true');
    const single = Number(process.hrtime.bigint() - t0) / 1e6 / n;
    t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 20 }, () => h.run('true')));
    const twenty = Number(process.hrtime.bigint() - t0) / 1e6;
    t.diagnostic(`root: warm run('true') ${single.toFixed(1)} ms; 20 concurrent ${twenty.toFixed(0)} ms`);
  });

  it('caps concurrent channels at maxChannels', async () => {
    const h = hostFor({}, { maxChannels: 2 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => h.run('sleep 0.2')));
    // three waves of two
    assert.ok(Date.now() - started >= 580, `took ${Date.now() - started} ms`);
  });

  it('reconnects after the connection was dropped', async () => {
    const h = hostFor();
    await h.run('true');
    assert.equal(h.connects, 1);
    const serving = sessionSshdPids();
    assert.ok(serving.length > 0);
    for (const p of serving) process.kill(p, 'SIGKILL');
    // Straight away: the channel open fails on the dead connection and is retried on a new one.
    assert.equal((await h.run('echo back')).stdout, 'back\n');
    assert.equal(h.connects, 2);
    // After the client noticed the drop.
    for (const p of sessionSshdPids()) process.kill(p, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.run('echo again')).stdout, 'again\n');
    assert.equal(h.connects, 3);
    assert.equal(sshConnections(), 1);
  });

  it('fails a run cut by a dropped connection with a channel error', async () => {
    const h = hostFor();
    await h.run('true');
    const running = h.run('sleep 5');
    await new Promise((r) => setTimeout(r, 300));
    for (const p of sessionSshdPids()) process.kill(p, 'SIGKILL');
    await assert.rejects(running, isHostError('channel', /connection was lost before the command finished/));
    assert.equal((await h.run('echo ok')).stdout, 'ok\n');
  });

  it('refuses a wrong pinned host key and shows both fingerprints', async (t) => {
    const other = 'SHA256:4RYLf5taXO8z1dLNx5bESQruLh9J+7yfBV9uVFdIGME';
    const h = hostFor({}, { hostKeySha256: other });
    await assert.rejects(h.run('true'), (err: unknown) => {
      isHostError('host-key', /host key refused/)(err);
      const msg = (err as Error).message;
      assert.ok(msg.includes(`ssh-ed25519 key ${node.hostKeySha256}`), msg);
      assert.ok(msg.includes(`hostKeySha256 pins ${other}`), msg);
      t.diagnostic(msg);
      return true;
    });
    assert.equal(h.connects, 0);
    assert.equal(sshConnections(), 0);
  });

  it('accepts the host key listed in known_hosts, plain or hashed', async () => {
    assert.equal((await hostFor({ trust: 'known-hosts' }).run('echo kh')).stdout, 'kh\n');
    const [type, b64] = readFileSync(node.knownHostsPath, 'utf8').trim().split(' ').slice(1);
    const hashed = `${node.dir}/known_hosts.hashed`;
    writeFileSync(hashed, `# hashed\n${hashHostName(node.address, randomBytes(20))} ${type} ${b64}\n`);
    assert.equal((await hostFor({}, { hostKeySha256: undefined, knownHostsPath: hashed }).run('echo hashed')).stdout, 'hashed\n');
  });

  it('refuses keys that known_hosts does not list, lists differently or revokes', async () => {
    const noKey = { hostKeySha256: undefined };
    const [type, b64] = readFileSync(node.knownHostsPath, 'utf8').trim().split(' ').slice(1);
    const unknown = `${node.dir}/known_hosts.unknown`;
    writeFileSync(unknown, `198.51.100.99 ${type} ${b64}\n`);
    await assert.rejects(
      hostFor({}, { ...noKey, knownHostsPath: unknown }).run('true'),
      isHostError('host-key', new RegExp(`${unknown.replace(/\./g, '\\.')} has no entry for ${node.address.replace(/\./g, '\\.')}`)),
    );

    const changed = `${node.dir}/known_hosts.changed`;
    const otherKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIPG50szpL3hEOQLe2IiFwumjvQXbx714Lc9gCxZ7uK2u';
    writeFileSync(changed, `${node.address} ssh-ed25519 ${otherKey}\n`);
    await assert.rejects(
      hostFor({}, { ...noKey, knownHostsPath: changed }).run('true'),
      isHostError('host-key', /lists .* with ssh-ed25519 SHA256:4RYLf5taXO8z1dLNx5bESQruLh9J\+7yfBV9uVFdIGME/),
    );

    const revoked = `${node.dir}/known_hosts.revoked`;
    writeFileSync(revoked, `${node.address} ${type} ${b64}\n@revoked * ${type} ${b64}\n`);
    await assert.rejects(hostFor({}, { ...noKey, knownHostsPath: revoked }).run('true'), isHostError('host-key', /marks @revoked \(line 2\)/));

    await assert.rejects(
      hostFor({}, { ...noKey, knownHostsPath: `${node.dir}/absent` }).run('true'),
      isHostError('host-key', /cannot read known_hosts file .*absent \(knownHostsPath\)/),
    );
  });

  it('accepts any host key with insecureIgnoreHostKey', async () => {
    assert.equal((await hostFor({ trust: 'insecure' }).run('echo any')).stdout, 'any\n');
  });

  it('reports a key the node does not accept as an auth error', async () => {
    const key = `${node.dir}/other_key`;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await assert.rejects(hostFor({}, { privateKeyPath: key }).run('true'), isHostError('auth', /authentication failed for user \S+ with private key/));
  });

  it('retries a refused connection with backoff, then says so', async () => {
    const h = hostFor({}, { port: 2222 });
    const started = Date.now();
    await assert.rejects(h.run('true'), isHostError('connect', /ECONNREFUSED.*\(after 4 attempts\)/));
    const took = Date.now() - started;
    assert.ok(took >= 2600 && took < 6000, `took ${took} ms`);
  });

  it('times out a run, naming host and limit, and stays usable', async () => {
    const h = hostFor();
    await h.run('true');
    const started = Date.now();
    await assert.rejects(
      h.run('sleep 31.25 & sleep 31.5', { timeoutMs: 300 }),
      isHostError('timeout', new RegExp(`^${node.user}@${node.address.replace(/\./g, '\\.')}:22: run timed out after 300 ms`)),
    );
    assert.ok(Date.now() - started < 2000);
    assert.equal((await h.run('echo alive')).stdout, 'alive\n');
    assert.equal(h.connects, 1);
    // The remote side kills the whole run a little later (timeout + 2 s grace).
    const sleepers = (): number[] => nodeProcesses().filter((p) => /^sleep 31\.(25|5)/.test(p.cmd)).map((p) => p.pid);
    assert.equal(sleepers().length, 2);
    const deadline = Date.now() + 6000;
    while (sleepers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(sleepers(), []);
  });

  it('times out when the server stops answering, then recovers on a new connection', async () => {
    const h = hostFor();
    await h.run('true');
    const serving = sessionSshdPids();
    for (const p of serving) process.kill(p, 'SIGSTOP');
    try {
      await assert.rejects(h.run('true', { timeoutMs: 500 }), isHostError('timeout', /run timed out after 500 ms/));
      // the silent connection is set aside: the next run opens a new one at once
      assert.equal((await h.run('echo recovered')).stdout, 'recovered\n');
      assert.equal(h.connects, 2);
    } finally {
      for (const p of serving) process.kill(p, 'SIGKILL');
    }
  });

  it('reconnects after close()', async () => {
    const h = hostFor();
    await h.run('true');
    await h.close();
    assert.equal(sshConnections(), 0);
    assert.equal((await h.run('echo reopened')).stdout, 'reopened\n');
    assert.equal(h.connects, 2);
  });

  describe('become: sudo', () => {
    it('runs as root through passwordless sudo and writes root-owned files', async (t) => {
      if (!node.sudoUser) return t.skip('needs sudo installed (Debian package sudo)');
      const h = hostFor({ user: node.sudoUser, become: 'sudo' });
      assert.equal(h.label, `${node.sudoUser}@${node.address}:22`);
      assert.deepEqual(await h.run('id -u; echo e >&2'), { code: 0, stdout: '0\n', stderr: 'e\n' });
      const path = `${node.statePath}/sudo-written`;
      await h.writeFile(path, 'by sudo', { mode: 0o600 });
      assert.equal((await h.readFile(path))?.toString(), 'by sudo');
      assert.equal((await h.run(`stat -c '%U %a' ${path}`)).stdout.trim(), 'root 600');
      assert.equal(await h.readFile(`${node.statePath}/nothing`), null);
      // without become the same user is not root
      assert.notEqual((await hostFor({ user: node.sudoUser }).run('id -u')).stdout, '0\n');
      let t0 = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) await hostFor({ user: node.sudoUser }).run('true');
      const h2 = hostFor({ user: node.sudoUser });
      await h2.run('true');
      t0 = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) await h2.run('true');
      const single = Number(process.hrtime.bigint() - t0) / 1e7;
      t0 = process.hrtime.bigint();
      await Promise.all(Array.from({ length: 20 }, () => h2.run('true')));
      t.diagnostic(`user with /bin/sh: warm run('true') ${single.toFixed(1)} ms; 20 concurrent ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
    });

    it('says clearly when sudo wants a password', async (t) => {
      if (!node.passwordSudoUser) return t.skip('needs sudo installed (Debian package sudo)');
      const h = hostFor({ user: node.passwordSudoUser, become: 'sudo' });
      await assert.rejects(h.run('id -u'), isHostError('auth', /needs passwordless sudo for user dalabpw .*a password is required/));
    });
  });
});
