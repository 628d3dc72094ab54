/**
 * The protocol server under the real Terraform binary, with the test-only `dhcpagent_file`
 * resource: offline install from ./terraform.d/plugins with a generated lock file, the whole
 * resource lifecycle, drift, replacement, import, errors, and start-up timing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJson, PreciseNumber, type JsonValue } from '../../src/provider/cty';
import { installProvider, launcherScript, providerLockBlock } from '../../src/provider/packaging';
import { PROVIDER_SOURCE, providerVersion } from '../../src/provider/version';
import { bundleTestProvider, connect, median, startProvider } from '../fixtures/test-provider/harness';

function findTerraform(): string | undefined {
  for (const candidate of ['/usr/local/bin/terraform', ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'terraform'))]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const terraform = findTerraform();
const skip = terraform ? false : 'needs the terraform binary (expected /usr/local/bin/terraform, Terraform 1.11.x)';

describe('provider protocol with the real terraform', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'provider-protocol-'));
  const work = join(scratch, 'work');
  const files = join(scratch, 'files');
  const version = providerVersion();
  let bundle = '';
  let env: NodeJS.ProcessEnv = {};
  const timings: Record<string, number> = {};

  const tf = (args: string[], cwd = work) => {
    const started = performance.now();
    const r = spawnSync(terraform!, [...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}`, ms: performance.now() - started };
  };
  const ok = (args: string[], cwd = work) => {
    const r = tf(args, cwd);
    assert.equal(r.status, 0, `terraform ${args.join(' ')} failed:\n${r.out}`);
    return r;
  };

  const header = `
terraform {
  required_providers {
    dhcpagent = {
      source  = "${PROVIDER_SOURCE}"
      version = "${version}"
    }
  }
}

provider "dhcpagent" {
  prefix = "test"
}
`;
  const fileA = (path = `${files}/a.txt`) => `
resource "dhcpagent_file" "a" {
  path    = "${path}"
  content = "hello\\n"
  mode    = "0640"
  ratio   = 0.1
  labels  = { env = "test" }
  secret  = "s3cret"
  rules = [
    { name = "dhcp", port = 67, tags = ["b", "a"] },
    { name = "other" },
  ]
}
`;
  const fileB = `
resource "dhcpagent_file" "b" {
  path    = "${files}/b.txt"
  content = "a is \${dhcpagent_file.a.sha256}\\n"
  ratio   = 12345678901234567890
}
`;
  const fileC = `
resource "dhcpagent_file" "c" {
  path    = "${files}/c.txt"
  content = "made by hand\\n"
  mode    = "0644"
}
`;
  const writeConfig = (...blocks: string[]) => writeFileSync(join(work, 'main.tf'), header + blocks.join('\n'));

  before(() => {
    mkdirSync(work, { recursive: true });
    mkdirSync(files, { recursive: true });
    bundle = bundleTestProvider(join(scratch, 'provider.cjs'));
    const cliConfig = join(scratch, 'empty.tfrc');
    writeFileSync(cliConfig, '');
    env = {
      PATH: process.env.PATH,
      HOME: scratch,
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      DHCP_AGENT_PROVIDER_JS: bundle,
    };
    installProvider({ dir: join(work, 'terraform.d', 'plugins'), version });
    writeFileSync(join(work, '.terraform.lock.hcl'), providerLockBlock({ version }));
  });

  after(() => {
    if (existsSync(join(work, 'terraform.tfstate'))) tf(['destroy', '-auto-approve', '-no-color']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('installs offline from ./terraform.d/plugins and accepts the generated lock file', () => {
    writeConfig(fileA(), fileB);
    const lock = readFileSync(join(work, '.terraform.lock.hcl'), 'utf8');
    const r = ok(['init', '-no-color']);
    assert.match(r.out, /Installed dhcp-agent\.local\/cdktf\/dhcpagent v[\d.]+ \(unauthenticated\)/);
    assert.equal(readFileSync(join(work, '.terraform.lock.hcl'), 'utf8'), lock, 'terraform init kept our lock file as is');

    // Terraform's own hash of the mirror must be the one we wrote.
    const other = join(scratch, 'lockcheck');
    mkdirSync(other);
    writeFileSync(join(other, 'main.tf'), header);
    ok(['providers', 'lock', '-no-color', `-fs-mirror=${join(work, 'terraform.d', 'plugins')}`, `-platform=linux_amd64`, PROVIDER_SOURCE], other);
    const computed = readFileSync(join(other, '.terraform.lock.hcl'), 'utf8');
    assert.equal(/"h1:[^"]+"/.exec(computed)?.[0], /"h1:[^"]+"/.exec(lock)?.[0]);
  });

  it('creates resources (unknown values flowing between them), then plans no changes', () => {
    const plan = ok(['plan', '-no-color']);
    assert.match(plan.out, /\+ sha256 += \(known after apply\)/);
    assert.match(plan.out, /\+ content += \(known after apply\)/, 'b.content depends on a.sha256, unknown at plan');
    assert.match(plan.out, /Plan: 2 to add, 0 to change, 0 to destroy/);
    const apply = ok(['apply', '-auto-approve', '-no-color']);
    timings.applyCreateMs = apply.ms;
    assert.match(apply.out, /Apply complete! Resources: 2 added/);
    assert.equal(readFileSync(join(files, 'a.txt'), 'utf8'), 'hello\n');
    assert.equal(statSync(join(files, 'a.txt')).mode & 0o777, 0o640);
    assert.match(readFileSync(join(files, 'b.txt'), 'utf8'), /^a is [0-9a-f]{64}\n$/);

    const again = tf(['plan', '-detailed-exitcode', '-no-color']);
    timings.planNoChangesMs = again.ms;
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, /No changes/);
  });

  it('keeps exact numbers, sets, nested lists and maps in the state', () => {
    const show = ok(['show', '-json', '-no-color']);
    const json = parseJson(show.out.slice(0, show.out.lastIndexOf('}') + 1)) as { values: { root_module: { resources: { name: string; values: Record<string, JsonValue> }[] } } };
    const byName = Object.fromEntries(json.values.root_module.resources.map((r) => [r.name, r.values]));
    assert.equal(byName.a.ratio, 0.1);
    assert.deepEqual(byName.b.ratio, new PreciseNumber('12345678901234567890'));
    assert.deepEqual(byName.a.labels, { env: 'test' });
    assert.deepEqual(byName.a.rules, [
      { name: 'dhcp', port: 67, tags: ['a', 'b'] },
      { name: 'other', port: null, tags: null },
    ]);
    assert.equal(byName.a.size, 6);
    assert.equal(byName.a.id, `${files}/a.txt`);
  });

  it('detects an out-of-band change (plan exit code 2) and repairs it on apply', () => {
    writeFileSync(join(files, 'a.txt'), 'tampered\n');
    chmodSync(join(files, 'a.txt'), 0o600);
    const drift = tf(['plan', '-detailed-exitcode', '-no-color']);
    assert.equal(drift.status, 2, drift.out);
    assert.match(drift.out, /- tampered\s+\+ hello/);
    assert.match(drift.out, /~ mode += "0600" -> "0640"/);
    ok(['apply', '-auto-approve', '-no-color']);
    assert.equal(readFileSync(join(files, 'a.txt'), 'utf8'), 'hello\n');
    assert.equal(statSync(join(files, 'a.txt')).mode & 0o777, 0o640);
    assert.equal(tf(['plan', '-detailed-exitcode', '-no-color']).status, 0);
  });

  it('replaces the resource when a requiresReplace attribute changes', () => {
    writeConfig(fileA(`${files}/a2.txt`), fileB);
    const plan = ok(['plan', '-no-color']);
    assert.match(plan.out, /dhcpagent_file\.a must be replaced/);
    assert.match(plan.out, /# forces replacement/);
    ok(['apply', '-auto-approve', '-no-color']);
    assert.ok(!existsSync(join(files, 'a.txt')), 'old file destroyed');
    assert.equal(readFileSync(join(files, 'a2.txt'), 'utf8'), 'hello\n');
    assert.equal(tf(['plan', '-detailed-exitcode', '-no-color']).status, 0);
  });

  it('imports an existing object', () => {
    writeFileSync(join(files, 'c.txt'), 'made by hand\n', { mode: 0o644 });
    writeConfig(fileA(`${files}/a2.txt`), fileB, fileC);
    const r = ok(['import', '-no-color', 'dhcpagent_file.c', `${files}/c.txt`]);
    assert.match(r.out, /Import successful/);
    const plan = tf(['plan', '-detailed-exitcode', '-no-color']);
    assert.equal(plan.status, 0, plan.out);
    const missing = tf(['import', '-no-color', 'dhcpagent_file.c', `${files}/none.txt`]);
    assert.notEqual(missing.status, 0);
  });

  it('reports validation and apply failures as diagnostics, and keeps working afterwards', () => {
    const relative = `
resource "dhcpagent_file" "bad" {
  path    = "relative.txt"
  content = "x"
}
`;
    writeConfig(fileA(`${files}/a2.txt`), fileB, fileC, relative);
    const invalid = tf(['validate', '-no-color']);
    assert.equal(invalid.status, 1);
    assert.match(invalid.out, /Error: path must be absolute/);
    assert.match(invalid.out, /got relative\.txt/);
    assert.match(invalid.out, /path += "relative\.txt"/, 'Terraform points at the attribute');

    const failing = `
resource "dhcpagent_file" "bad" {
  path    = "${files}/bad.txt"
  content = "FAIL-APPLY"
}
`;
    writeConfig(fileA(`${files}/a2.txt`), fileB, fileC, failing);
    const apply = tf(['apply', '-auto-approve', '-no-color']);
    assert.equal(apply.status, 1);
    assert.match(apply.out, /Error: Create of dhcpagent_file failed/);
    assert.match(apply.out, /content asked the test resource to fail/);
    assert.doesNotMatch(apply.out, /plugin exited|crash|panic/i);
    const state = ok(['state', 'list', '-no-color']);
    assert.doesNotMatch(state.out, /dhcpagent_file\.bad/, 'a failed create leaves nothing in state');

    writeConfig(fileA(`${files}/a2.txt`), fileB, fileC);
    assert.equal(tf(['plan', '-detailed-exitcode', '-no-color']).status, 0);
  });

  it('destroys everything', () => {
    const r = ok(['destroy', '-auto-approve', '-no-color']);
    assert.match(r.out, /Destroy complete! Resources: 3 destroyed/);
    assert.ok(!existsSync(join(files, 'a2.txt')));
    assert.ok(!existsSync(join(files, 'b.txt')));
    assert.ok(!existsSync(join(files, 'c.txt')));
  });

  it('starts fast: process start to handshake line', async (t) => {
    // The launcher as installed (next to the bundle it would run; DHCP_AGENT_PROVIDER_JS names the test bundle).
    const launcher = join(scratch, 'timing', `terraform-provider-dhcpagent_v${version}`);
    mkdirSync(join(scratch, 'timing'), { recursive: true });
    writeFileSync(launcher, launcherScript(), { mode: 0o755 });
    const measure = async (command: string | string[]) => {
      const samples: number[] = [];
      for (let i = 0; i < 10; i++) {
        const p = startProvider(command, { DHCP_AGENT_PROVIDER_JS: bundle, PLUGIN_UNIX_SOCKET_DIR: scratch });
        const hs = await p.handshake;
        samples.push(hs.elapsedMs);
        const client = connect(hs, p.clientCert);
        await client.shutdown();
        client.close();
        await p.exited;
      }
      return median(samples);
    };
    const direct = await measure(bundle);
    const viaLauncher = await measure([launcher]);
    t.diagnostic(`start-up median of 10: node bundle ${direct.toFixed(0)} ms, through the launcher ${viaLauncher.toFixed(0)} ms`);
    t.diagnostic(`terraform apply (2 creates) ${timings.applyCreateMs?.toFixed(0)} ms, plan with no changes ${timings.planNoChangesMs?.toFixed(0)} ms`);
    // The target is < 200 ms on a developer machine; the bound leaves room for loaded CI runners.
    assert.ok(direct < 1000, `start-up ${direct} ms`);
  });
});
