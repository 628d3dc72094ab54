import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  cliConfigSnippet,
  installProvider,
  LAUNCHER_SCRIPT,
  launcherFileName,
  lockFileHash,
  providerLockBlock,
  terraformPlatform,
  writeFileAtomic,
} from '../../src/provider/packaging';
import { providerVersion } from '../../src/provider/version';

const scratch = mkdtempSync(join(tmpdir(), 'provider-packaging-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake bundle that reports where it was loaded from. */
function fakeBundle(file: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, 'process.stdout.write("started " + __filename + " " + process.argv.length);\n');
}

function runLauncher(launcher: string, cwd: string, env: Record<string, string> = {}) {
  const clean = { ...process.env };
  delete clean.DHCP_AGENT_PROVIDER_JS;
  return spawnSync(launcher, [], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
}

describe('launcher script', () => {
  it('is a POSIX sh script without anything machine-specific', () => {
    assert.ok(LAUNCHER_SCRIPT.startsWith('#!/bin/sh\n'));
    assert.ok(!/\/(home|root|tmp|work|usr)\//.test(LAUNCHER_SCRIPT), 'no absolute paths');
    assert.ok(!LAUNCHER_SCRIPT.includes(providerVersion() + '/'), 'no version-specific paths');
    const r = spawnSync('sh', ['-n', '-c', LAUNCHER_SCRIPT]);
    assert.equal(r.status, 0, 'sh -n accepts it');
  });

  const installed = installProvider({ dir: join(scratch, 'mirror'), version: '1.2.3' });

  it('is installed in the filesystem-mirror layout with mode 0755', () => {
    assert.equal(
      installed.path,
      join(scratch, 'mirror', 'dhcp-agent.local', 'cdktf', 'dhcpagent', '1.2.3', terraformPlatform(), 'terraform-provider-dhcpagent_v1.2.3'),
    );
    assert.equal(statSync(installed.path).mode & 0o777, 0o755);
    assert.equal(readFileSync(installed.path, 'utf8'), LAUNCHER_SCRIPT);
    assert.throws(() => installProvider({ dir: scratch, source: 'dhcpagent' }), /expected <host>\/<namespace>\/<type>/);
    assert.throws(() => installProvider({ dir: scratch, version: 'v1' }), /semantic version/);
  });

  it('runs the bundle named by DHCP_AGENT_PROVIDER_JS, and refuses a wrong one', () => {
    const bundle = join(scratch, 'env', 'provider.cjs');
    fakeBundle(bundle);
    const ok = runLauncher(installed.path, scratch, { DHCP_AGENT_PROVIDER_JS: bundle });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, `started ${bundle} 2`);
    const bad = runLauncher(installed.path, scratch, { DHCP_AGENT_PROVIDER_JS: join(scratch, 'missing.cjs') });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cannot find cdktf-dhcp-agent\/dist\/provider.cjs/);
    assert.match(bad.stderr, /missing\.cjs \(from DHCP_AGENT_PROVIDER_JS\)/);
  });

  it("finds node_modules/cdktf-dhcp-agent from Terraform's working directory", () => {
    const project = join(scratch, 'project');
    fakeBundle(join(project, 'node_modules', 'cdktf-dhcp-agent', 'dist', 'provider.cjs'));
    writeFileSync(join(project, 'node_modules', 'cdktf-dhcp-agent', 'package.json'), '{"name":"cdktf-dhcp-agent","version":"1.2.3"}');
    const stack = join(project, 'cdktf.out', 'stacks', 'dev');
    mkdirSync(stack, { recursive: true });
    const r = runLauncher(installed.path, stack);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split(' ')[1], join(project, 'node_modules', 'cdktf-dhcp-agent', 'dist', 'provider.cjs'));
  });

  it('finds the package itself when Terraform runs inside its checkout', () => {
    const checkout = join(scratch, 'checkout');
    fakeBundle(join(checkout, 'dist', 'provider.cjs'));
    writeFileSync(join(checkout, 'package.json'), '{"name":"cdktf-dhcp-agent","version":"0.0.1"}');
    const deep = join(checkout, 'examples', 'basic', 'cdktf.out', 'stacks', 'x');
    mkdirSync(deep, { recursive: true });
    const r = runLauncher(installed.path, deep);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split(' ')[1], join(checkout, 'dist', 'provider.cjs'));
  });

  it("falls back to the launcher's own directory, and explains when nothing is found", () => {
    const project = join(scratch, 'own');
    fakeBundle(join(project, 'node_modules', 'cdktf-dhcp-agent', 'dist', 'provider.cjs'));
    const local = installProvider({ dir: join(project, 'terraform.d', 'plugins'), version: '1.2.3' });
    const elsewhere = mkdtempSync(join(tmpdir(), 'provider-elsewhere-'));
    try {
      const r = runLauncher(local.path, elsewhere);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.split(' ')[1], join(project, 'node_modules', 'cdktf-dhcp-agent', 'dist', 'provider.cjs'));
      const none = runLauncher(installed.path, elsewhere);
      assert.equal(none.status, 1);
      assert.equal(none.stdout, '');
      assert.match(none.stderr, /npm install cdktf-dhcp-agent/);
      assert.match(none.stderr, /DHCP_AGENT_PROVIDER_JS/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('lock file and CLI configuration', () => {
  it('hashes a one-file package the way Terraform does (h1 dirhash)', () => {
    const name = launcherFileName('dhcpagent', '0.1.0');
    const fileHex = createHash('sha256').update(LAUNCHER_SCRIPT).digest('hex');
    const expected = 'h1:' + createHash('sha256').update(`${fileHex}  ${name}\n`).digest('base64');
    assert.equal(lockFileHash(LAUNCHER_SCRIPT, name), expected);
  });

  it('writes the provider block with version, constraints and hash', () => {
    const block = providerLockBlock({ version: '0.1.0', constraints: '~> 0.1' });
    const hash = lockFileHash(LAUNCHER_SCRIPT, 'terraform-provider-dhcpagent_v0.1.0');
    assert.equal(
      block,
      `provider "dhcp-agent.local/cdktf/dhcpagent" {\n  version     = "0.1.0"\n  constraints = "~> 0.1"\n  hashes = [\n    "${hash}",\n  ]\n}\n`,
    );
    assert.match(providerLockBlock(), new RegExp(`constraints = "${providerVersion().replace(/\./g, '\\.')}"`));
  });

  it('produces a filesystem_mirror block that leaves other providers to their registries', () => {
    assert.equal(
      cliConfigSnippet('/opt/tf mirror'),
      'provider_installation {\n  filesystem_mirror {\n    path    = "/opt/tf mirror"\n    include = ["dhcp-agent.local/cdktf/dhcpagent"]\n  }\n  direct {\n    exclude = ["dhcp-agent.local/cdktf/dhcpagent"]\n  }\n}\n',
    );
  });

  it("names platforms as Terraform does", () => {
    assert.equal(terraformPlatform('linux', 'x64'), 'linux_amd64');
    assert.equal(terraformPlatform('darwin', 'arm64'), 'darwin_arm64');
    assert.equal(terraformPlatform('win32', 'ia32'), 'windows_386');
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file so that a concurrent reader sees the old or the new content, never a part', async () => {
    const dir = join(scratch, 'atomic');
    mkdirSync(dir);
    const file = join(dir, 'launcher');
    const size = 4 * 1024 * 1024;
    writeFileSync(file, 'a'.repeat(size));
    // The writer runs in a process of its own, so that writes and reads really overlap.
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `const { writeFileAtomic } = require(${JSON.stringify(join(__dirname, '../../src/provider/packaging'))});
       for (let i = 0; i < 40; i++) writeFileAtomic(${JSON.stringify(file)}, (i % 2 ? 'a' : 'b').repeat(${size}), 0o755);`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    writer.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => writer.once('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    const seen = new Set<string>();
    let reads = 0;
    while (running) {
      const text = readFileSync(file, 'latin1');
      reads++;
      assert.equal(text.length, size, 'a whole file');
      assert.ok(text[0] === text[text.length - 1] && !text.includes(text[0] === 'a' ? 'b' : 'a'), 'one version of it');
      seen.add(text[0]);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await exited, 0, stderr);
    assert.ok(reads > 1, `read ${reads} times while the writer ran`);
    assert.deepEqual(readdirSync(dir), ['launcher'], 'no temporary file left');
    assert.equal(statSync(file).mode & 0o777, 0o755);
  });

  it('sets the mode whatever the umask, and leaves nothing behind when it fails', () => {
    const dir = join(scratch, 'atomic-mode');
    mkdirSync(dir);
    const old = process.umask(0o077);
    try {
      writeFileAtomic(join(dir, 'x'), 'x', 0o755);
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(join(dir, 'x')).mode & 0o777, 0o755);
    mkdirSync(join(dir, 'target-is-a-directory'));
    assert.throws(() => writeFileAtomic(join(dir, 'target-is-a-directory'), 'x'), /EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    assert.deepEqual(readdirSync(dir).sort(), ['target-is-a-directory', 'x']);
  });
});
