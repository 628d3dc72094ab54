import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BUNDLE_FILE_NAME,
  cliConfigSnippet,
  installProvider,
  launcherFileName,
  launcherScript,
  packageHash,
  packedFileName,
  providerBundlePath,
  providerLockBlock,
  providerPackageFiles,
  removeDanglingCacheEntry,
  terraformPlatform,
  writeFileAtomic,
} from '../../src/provider/packaging';
import { providerVersion, requiredNodeVersion } from '../../src/provider/version';
import { storedZip } from '../../src/provider/zip';

const scratch = mkdtempSync(join(tmpdir(), 'provider-packaging-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake bundle that reports where it was loaded from. */
function fakeBundle(file: string, body = 'process.stdout.write("started " + __filename + " " + process.argv.length);\n'): string {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, body);
  return file;
}

function runLauncher(launcher: string, cwd: string, env: Record<string, string> = {}) {
  const clean = { ...process.env };
  delete clean.DHCP_AGENT_PROVIDER_JS;
  delete clean.DHCP_AGENT_NODE;
  return spawnSync(launcher, [], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
}

/** Extracts a zip with Info-ZIP's unzip (a reader that is not ours), returning the directory. */
function unzip(zip: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('unzip', ['-q', '-o', zip, '-d', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

const [major, minor] = requiredNodeVersion();

describe('launcher script', () => {
  it('is a POSIX sh script without anything machine-specific', () => {
    const script = launcherScript();
    assert.ok(script.startsWith('#!/bin/sh\n'));
    assert.ok(!/\/(home|root|tmp|work|usr)\//.test(script), 'no absolute paths');
    assert.ok(!script.includes(providerVersion()), 'nothing version-specific');
    assert.equal(spawnSync('sh', ['-n', '-c', script]).status, 0, 'sh -n accepts it');
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { engines: { node: string } };
    assert.deepEqual(requiredNodeVersion(), pkg.engines.node.slice(2).split('.').map(Number));
  });

  const bundle = fakeBundle(join(scratch, 'src-bundle', 'provider.cjs'));
  const installed = installProvider({ dir: join(scratch, 'mirror'), version: '1.2.3', bundle });
  const pkg = unzip(installed.path, join(scratch, 'extracted'));
  const launcher = join(pkg, launcherFileName('dhcpagent', '1.2.3'));

  it('is a zip in the packed filesystem-mirror layout, holding the bundle and the launcher (mode 0755)', () => {
    assert.equal(installed.path, join(scratch, 'mirror', 'dhcp-agent.local', 'cdktf', 'dhcpagent', `terraform-provider-dhcpagent_1.2.3_${terraformPlatform()}.zip`));
    assert.equal(packedFileName('dhcpagent', '1.2.3', 'linux_arm64'), 'terraform-provider-dhcpagent_1.2.3_linux_arm64.zip');
    assert.deepEqual(readdirSync(pkg).sort(), [BUNDLE_FILE_NAME, 'terraform-provider-dhcpagent_v1.2.3']);
    assert.equal(statSync(launcher).mode & 0o777, 0o755);
    assert.equal(readFileSync(launcher, 'utf8'), launcherScript());
    assert.equal(readFileSync(join(pkg, BUNDLE_FILE_NAME), 'utf8'), readFileSync(bundle, 'utf8'));
    assert.throws(() => installProvider({ dir: scratch, source: 'dhcpagent', bundle }), /expected <host>\/<namespace>\/<type>/);
    assert.throws(() => installProvider({ dir: scratch, version: 'v1', bundle }), /semantic version/);
  });

  it('is the same bytes at every install (the lock hash is stable), and replaces an unpacked package of the version', () => {
    const old = join(scratch, 'mirror', 'dhcp-agent.local', 'cdktf', 'dhcpagent', '1.2.3', terraformPlatform());
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'terraform-provider-dhcpagent_v1.2.3'), '#!/bin/sh\n');
    const first = readFileSync(installed.path);
    const again = installProvider({ dir: join(scratch, 'mirror'), version: '1.2.3', bundle });
    assert.ok(readFileSync(again.path).equals(first));
    assert.equal(again.hash, installed.hash);
    assert.throws(() => statSync(old), { code: 'ENOENT' });
  });

  it('runs the bundle next to it, from any working directory, with no npm project around', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'provider-elsewhere-'));
    try {
      const r = runLauncher(launcher, elsewhere);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `started ${join(pkg, BUNDLE_FILE_NAME)} 2`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('runs the bundle named by DHCP_AGENT_PROVIDER_JS', () => {
    const other = fakeBundle(join(scratch, 'env', 'provider.cjs'));
    const r = runLauncher(launcher, scratch, { DHCP_AGENT_PROVIDER_JS: other });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `started ${other} 2`);
  });

  /** What Terraform shows: the first stdout line, which must name the cause and the fix. */
  const oneLine = (r: { status: number | null; stdout: string }, cause: RegExp, fix: RegExp) => {
    assert.equal(r.status, 1);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 2, `one line: ${JSON.stringify(r.stdout)}`);
    assert.match(lines[0], /^terraform-provider-dhcpagent \(npm package cdktf-dhcp-agent\) cannot start: /);
    assert.match(lines[0], cause);
    assert.match(lines[0], fix);
  };

  it('says on one stdout line when its bundle is missing or does not load, and how to fix it', () => {
    oneLine(runLauncher(launcher, scratch, { DHCP_AGENT_PROVIDER_JS: join(scratch, 'missing.cjs') }), /its bundle .*missing\.cjs is missing/, /Fix: install the provider again/);
    const broken = fakeBundle(join(scratch, 'broken', 'provider.cjs'), 'throw new Error("truncated");\n');
    oneLine(runLauncher(launcher, scratch, { DHCP_AGENT_PROVIDER_JS: broken }), /does not load \(truncated\)/, /Fix: install the provider again/);
  });

  it('says on one stdout line when Node.js is missing or too old', () => {
    oneLine(runLauncher(launcher, scratch, { DHCP_AGENT_NODE: join(scratch, 'no-node') }), /Node\.js \(.*no-node\) is not installed or not in PATH/, new RegExp(`Fix: install Node\\.js >= ${major}\\.${minor}`));
    // A node that reports an older version: the real one, with process.versions.node preset.
    const preload = join(scratch, 'old-node.cjs');
    writeFileSync(preload, 'Object.defineProperty(process, "versions", { value: { ...process.versions, node: "18.20.4" } });\n');
    const oldNode = join(scratch, 'old-node');
    writeFileSync(oldNode, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --require ${JSON.stringify(preload)} "$@"\n`, { mode: 0o755 });
    oneLine(runLauncher(launcher, scratch, { DHCP_AGENT_NODE: oldNode }), /Node\.js v\S+ \(.*\) is too old/, new RegExp(`Fix: install Node\\.js >= ${major}\\.${minor}, or set DHCP_AGENT_NODE`));
  });
});

describe('lock file and CLI configuration', () => {
  it('hashes a package the way Terraform does (h1 dirhash: one line per file, sorted by name)', () => {
    const files = [
      { name: 'b', data: 'second' },
      { name: 'a', data: 'first' },
    ];
    const hex = (t: string) => createHash('sha256').update(t).digest('hex');
    const expected = 'h1:' + createHash('sha256').update(`${hex('first')}  a\n${hex('second')}  b\n`).digest('base64');
    assert.equal(packageHash(files), expected);
  });

  it('writes the provider block with version, constraints and the hash of bundle + launcher', () => {
    const bundle = join(scratch, 'src-bundle', 'provider.cjs');
    const block = providerLockBlock({ version: '0.1.0', constraints: '~> 0.1', bundle });
    const hash = packageHash(providerPackageFiles('dhcpagent', '0.1.0', bundle));
    assert.equal(
      block,
      `provider "dhcp-agent.local/cdktf/dhcpagent" {\n  version     = "0.1.0"\n  constraints = "~> 0.1"\n  hashes = [\n    "${hash}",\n  ]\n}\n`,
    );
    assert.notEqual(hash, packageHash(providerPackageFiles('dhcpagent', '0.1.0', providerBundlePath())), 'the bundle is part of the hash');
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

describe('storedZip', () => {
  it('refuses entry names that would leave the extraction directory', () => {
    for (const name of ['/etc/x', '../x', 'a/../../x']) assert.throws(() => storedZip([{ name, data: Buffer.alloc(0), mode: 0o644 }]), /bad entry name/);
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

describe('removeDanglingCacheEntry', () => {
  const cache = join(scratch, 'plugin-cache');
  const entry = join(cache, 'dhcp-agent.local', 'cdktf', 'dhcpagent', '1.2.3', 'linux_amd64');
  const options = { version: '1.2.3', platform: 'linux_amd64' };

  it("removes a link into a deleted app's terraform.d/plugins, and nothing else", () => {
    mkdirSync(join(entry, '..'), { recursive: true });
    const gone = join(scratch, 'deleted-app', 'cdktf.out', 'stacks', 's', 'terraform.d', 'plugins', 'dhcp-agent.local', 'cdktf', 'dhcpagent', '1.2.3', 'linux_amd64');
    symlinkSync(gone, entry);
    assert.equal(removeDanglingCacheEntry(cache, options), entry);
    assert.throws(() => lstatSync(entry), { code: 'ENOENT' });
    // A live link, a dangling link elsewhere, a real directory: left alone.
    const live = join(scratch, 'live-app', 'terraform.d', 'plugins', 'dhcp-agent.local', 'cdktf', 'dhcpagent', '1.2.3', 'linux_amd64');
    mkdirSync(live, { recursive: true });
    symlinkSync(live, entry);
    assert.equal(removeDanglingCacheEntry(cache, options), undefined);
    rmSync(entry);
    symlinkSync(join(scratch, 'somewhere-else'), entry);
    assert.equal(removeDanglingCacheEntry(cache, options), undefined);
    rmSync(entry);
    mkdirSync(entry);
    assert.equal(removeDanglingCacheEntry(cache, options), undefined);
    assert.ok(statSync(entry).isDirectory());
    assert.equal(removeDanglingCacheEntry(join(scratch, 'no-cache'), options), undefined);
  });
});
