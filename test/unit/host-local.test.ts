import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalHost } from '../../src/host/local';
import { READ_MISSING_EXIT, readFileScript, writeFileScript } from '../../src/host/file-scripts';
import { HostError } from '../../src/host/types';

const dir = mkdtempSync(join(tmpdir(), 'host-local-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a file script the way SshHost does (`sh -c script`, data on stdin). */
function sh(script: string, input: Buffer | string = ''): { code: number; stdout: Buffer; stderr: string } {
  try {
    const stdout = execFileSync('sh', ['-c', script], { input, stdio: ['pipe', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr.toString() };
  }
}

const awkwardNames = ["a b'c\"d$e`f", '-n', 'x\ny', 'ünï', '*'];

describe('file scripts (what SshHost runs remotely)', () => {
  it('write atomically with the mode, any name, binary content', () => {
    const content = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    for (const name of awkwardNames) {
      const path = join(dir, name);
      const r = sh(writeFileScript(path, 0o640), content);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readFileSync(path), content);
      assert.equal(statSync(path).mode & 0o7777, 0o640);
      const back = sh(readFileScript(path));
      assert.equal(back.code, 0);
      assert.deepEqual(back.stdout, content);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], 'no temporary file left');
  });

  it('replace a file by rename (a reader keeps the old inode)', () => {
    const path = join(dir, 'replaced');
    writeFileSync(path, 'old');
    const before = statSync(path).ino;
    assert.equal(sh(writeFileScript(path, 0o644), 'new').code, 0);
    assert.notEqual(statSync(path).ino, before);
    assert.equal(readFileSync(path, 'utf8'), 'new');
  });

  it('leave nothing behind when the directory is missing', () => {
    const r = sh(writeFileScript(join(dir, 'missing-dir', 'f'), 0o644), 'x');
    assert.notEqual(r.code, 0);
  });

  it('tell a missing file from other errors', () => {
    assert.equal(sh(readFileScript(join(dir, 'nope'))).code, READ_MISSING_EXIT);
    mkdirSync(join(dir, 'a-dir'));
    const r = sh(readFileScript(join(dir, 'a-dir')));
    assert.notEqual(r.code, 0);
    assert.notEqual(r.code, READ_MISSING_EXIT);
  });

  it('refuse bad paths and modes', () => {
    assert.throws(() => writeFileScript('', 0o644), /file path/);
    assert.throws(() => writeFileScript('/x/', 0o644), /file path/);
    assert.throws(() => writeFileScript('/x', 0o10000), /mode/);
    assert.throws(() => readFileScript('/a\0b'), /file path/);
  });
});

describe('LocalHost', () => {
  const host = new LocalHost();

  it('runs a script on stdin and returns code, stdout, stderr untrimmed', async () => {
    const r = await host.run('echo out; echo err >&2; read -r x || true; exit 3');
    assert.deepEqual(r, { code: 3, stdout: 'out\n', stderr: 'err\n' });
    assert.equal(host.label, 'local');
  });

  it('reports death by signal as 128 + signal number', async () => {
    const r = await host.run('kill -KILL $$');
    assert.equal(r.code, 137);
  });

  it('handles a script larger than the argument limit', async () => {
    const script = `x=1\n${'# padding padding padding\n'.repeat(200_000)}echo done`;
    assert.ok(script.length > 4 * 1024 * 1024);
    assert.equal((await host.run(script)).stdout, 'done\n');
  });

  it('times out, kills the script and its children, naming the host and limit', async () => {
    const marker = join(dir, 'child-survived');
    const started = Date.now();
    await assert.rejects(host.run(`(sleep 1; touch '${marker}') & sleep 30`, { timeoutMs: 200 }), (err: Error) => {
      assert.ok(err instanceof HostError);
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /^local: run timed out after 200 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    await new Promise((r) => setTimeout(r, 1300));
    assert.throws(() => statSync(marker), /ENOENT/);
  });

  it('writes atomically with mode, reads back, null when missing', async () => {
    const path = join(dir, 'local file');
    const content = Buffer.from([0, 1, 2, 255, 10, 13]);
    await host.writeFile(path, content, { mode: 0o600 });
    assert.equal(statSync(path).mode & 0o7777, 0o600);
    assert.deepEqual(await host.readFile(path), content);
    await host.writeFile(path, 'text é');
    assert.equal(statSync(path).mode & 0o7777, 0o644);
    assert.equal((await host.readFile(path))?.toString(), 'text é');
    assert.equal(await host.readFile(join(dir, 'absent')), null);
    assert.equal(await host.readFile(join(dir, 'absent', 'below')), null);
    await assert.rejects(host.readFile(dir), (err: Error) => err instanceof HostError && /EISDIR/.test(err.message));
    await assert.rejects(host.writeFile(join(dir, 'no-dir', 'f'), 'x'), HostError);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), []);
  });
});
