/**
 * A newcomer's two paths, from the packed tarball into empty directories outside the checkout,
 * running the README's own commands (taken from the README between `<!-- newcomer:… -->`
 * markers, so the README and this test cannot diverge):
 * - a cdktf app: npm install of the tarball with its peers, cdktf-cli and tsx, `cdktf deploy` of
 *   the README's main.ts to a lab node, a lease, `cdktf destroy`;
 * - plain Terraform (HCL): `npx -p <tarball> dhcp-agent provider install`, `terraform apply` of
 *   the README's main.tf, a lease, destroy; and the provider in a filesystem mirror (`--dir`)
 *   used from a directory outside any npm project, also when it cannot start.
 * The only change to the commands: the package name becomes the tarball's path (it is not
 * fetched from the registry). npm installs the rest from the registry, preferring its cache
 * (which `npm ci` of the checkout fills with the same versions).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labDown, labUnavailableReason } from '../../src/lab';
import { PACKAGE_NAME } from '../../src/provider/version';
import { repoRoot, TERRAFORM, terraformUnavailableReason } from '../support/terraform';

const APP_LAB = 'nwcapp';
const HCL_LAB = 'nwchcl';
const skip = labUnavailableReason() ?? terraformUnavailableReason();

/** The body of the README's fenced block between `<!-- newcomer:<name> -->` and `<!-- /newcomer:<name> -->`. */
function readmeBlock(readme: string, name: string): string {
  const start = readme.indexOf(`<!-- newcomer:${name} -->`);
  const end = readme.indexOf(`<!-- /newcomer:${name} -->`);
  if (start < 0 || end < start) throw new Error(`README.md has no <!-- newcomer:${name} --> … <!-- /newcomer:${name} --> block`);
  const lines = readme.slice(start, end).split('\n').slice(1);
  const open = lines.findIndex((l) => l.startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  return lines.slice(open + 1, close).join('\n') + '\n';
}

/** The README's commands, one per line, with the package name replaced by the tarball. */
function commandsOf(block: string, tarball: string): string[] {
  return block
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => l.replace(new RegExp(`(?<=\\s)${PACKAGE_NAME}(?=\\s|$)`, 'g'), tarball));
}

interface Step {
  readonly command: string;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runStep(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Step> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const step = { command, ms: performance.now() - start, stdout, stderr };
      if (code === 0) resolve(step);
      else reject(new Error(`${command} exited ${code} in ${cwd}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
    });
  });
}

async function runAll(commands: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Step[]> {
  const steps: Step[] = [];
  for (const c of commands) steps.push(await runStep(c, cwd, env));
  return steps;
}

/** npx's install directories (~/.npm/_npx/<hash>) for a package spec that names a path under `dir`. */
function npxTreesOf(dir: string): string[] {
  const npx = join(homedir(), '.npm', '_npx');
  if (!existsSync(npx)) return [];
  return readdirSync(npx)
    .map((d) => join(npx, d))
    .filter((d) => {
      try {
        return readFileSync(join(d, 'package.json'), 'utf8').includes(dir);
      } catch {
        return false;
      }
    });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('from the packed tarball into an empty directory, as the README says', { skip }, () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const scratch = mkdtempSync(join(tmpdir(), 'nwc-pack-'));
  let tarball = '';
  let baseEnv: NodeJS.ProcessEnv = {};

  before(() => {
    const r = spawnSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [info] = JSON.parse(r.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
    tarball = join(scratch, info.filename);
    console.log(`# tarball ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024 / 1024).toFixed(1)} MiB unpacked, ${info.entryCount} files`);
    const cliConfig = join(scratch, 'empty.tfrc');
    writeFileSync(cliConfig, '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dirname(TERRAFORM)}:${process.env.PATH ?? ''}`,
      CHECKPOINT_DISABLE: '1',
      DISABLE_VERSION_CHECK: '1',
      TF_CLI_CONFIG_FILE: cliConfig,
      // A plugin cache of the test's own: the machine's may hold what other apps left there.
      TF_PLUGIN_CACHE_DIR: join(scratch, 'plugin-cache'),
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    // Nothing of this checkout: the provider and the CLI come from the installed tarball.
    for (const k of ['DHCP_AGENT_PROVIDER_JS', 'DHCP_AGENT_CLI_JS', 'DHCP_AGENT_LAB_DIR', 'TS_NODE_PROJECT', 'NODE_OPTIONS']) delete env[k];
    baseEnv = env;
    mkdirSync(join(scratch, 'plugin-cache'));
  });
  after(async () => {
    await labDown(APP_LAB);
    await labDown(HCL_LAB);
    // npx keeps what it installed for this tarball (~26 MB) in its cache: that is ours to remove.
    for (const tree of npxTreesOf(scratch)) rmSync(tree, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('cdktf app: npm install, cdktf deploy of the README example, a lease, cdktf destroy', async (t) => {
    const app = mkdtempSync(join(tmpdir(), 'nwc-app-'));
    const env = { ...baseEnv, DHCP_AGENT_LAB: APP_LAB };
    try {
      writeFileSync(join(app, 'main.ts'), readmeBlock(readme, 'app-main'));
      const steps = await runAll(commandsOf(readmeBlock(readme, 'app-commands'), tarball), app, env);
      const lease = JSON.parse(steps[steps.length - 1].stdout) as { ip: string; hostname?: string };
      assert.equal(lease.ip, '172.16.0.10');
      for (const s of steps) t.diagnostic(`${seconds(s.ms)}  ${s.command.replace(tarball, '<tarball>').slice(0, 90)}`);
      t.diagnostic(`cdktf path: empty directory to first lease in ${seconds(steps.reduce((a, s) => a + s.ms, 0))}`);
      assert.ok(!existsSync(join(app, 'tsconfig.json')), 'no tsconfig needed');
      const cleanup = await runAll(commandsOf(readmeBlock(readme, 'app-cleanup'), tarball), app, env);
      assert.match(cleanup[0].stdout, /Destroy complete! Resources: 3 destroyed/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it('HCL: the README section run literally (no cdktf installed), a lease, destroy', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'nwc-hcl-'));
    const env = { ...baseEnv, DHCP_AGENT_LAB: HCL_LAB };
    try {
      writeFileSync(join(dir, 'main.tf'), readmeBlock(readme, 'hcl-main'));
      const steps = await runAll(commandsOf(readmeBlock(readme, 'hcl-commands'), tarball), dir, env);
      const lease = JSON.parse(steps[steps.length - 1].stdout) as { ip: string };
      assert.equal(lease.ip, '172.16.0.10');
      for (const s of steps) t.diagnostic(`${seconds(s.ms)}  ${s.command.replace(tarball, '<tarball>').slice(0, 90)}`);
      t.diagnostic(`HCL path: empty directory to first lease in ${seconds(steps.reduce((a, s) => a + s.ms, 0))}`);
      // npx installed the package without its optional peers.
      const trees = npxTreesOf(tarball);
      assert.equal(trees.length, 1, 'one npx install of the tarball');
      assert.ok(existsSync(join(trees[0], 'node_modules', PACKAGE_NAME)));
      for (const peer of ['cdktf', 'constructs', '@cdktf/provider-null']) assert.ok(!existsSync(join(trees[0], 'node_modules', peer)), `${peer} not installed`);
      const destroy = await runStep('terraform destroy -auto-approve -no-color', dir, env);
      assert.match(destroy.stdout, /Destroy complete! Resources: 3 destroyed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('provider install --dir: a mirror used from a directory outside any npm project; when it cannot start, Terraform says why', async () => {
    const mirror = join(scratch, 'mirror');
    const work = mkdtempSync(join(tmpdir(), 'nwc-mirror-'));
    try {
      const installed = await runStep(`npx -y -p ${tarball} dhcp-agent provider install --dir ${mirror}`, scratch, baseEnv);
      const snippet = installed.stdout.slice(installed.stdout.indexOf('provider_installation {'));
      assert.match(snippet, /filesystem_mirror/);
      const cliConfig = join(scratch, 'mirror.tfrc');
      writeFileSync(cliConfig, snippet);
      const env = { ...baseEnv, TF_CLI_CONFIG_FILE: cliConfig, DHCP_AGENT_LAB: HCL_LAB };
      writeFileSync(join(work, 'main.tf'), readmeBlock(readme, 'hcl-main'));
      // The HCL test's lab, made again only when that test did not get so far.
      await runStep(`test -e /var/lib/dhcp-agent-lab/${HCL_LAB}/lab.json || npx -y -p ${tarball} dhcp-agent lab up > /dev/null; npx -y -p ${tarball} dhcp-agent lab tfvars > terraform.tfvars`, work, env);
      assert.ok(!existsSync(join(work, 'package.json')) && !existsSync(join(work, 'node_modules')));
      await runStep('terraform init -no-color -input=false', work, env);
      const plan = await runStep('terraform plan -no-color -input=false', work, env);
      assert.match(plan.stdout, /Plan: 3 to add/);
      const broken = spawnSync(TERRAFORM, ['plan', '-no-color', '-input=false'], { cwd: work, env: { ...env, DHCP_AGENT_PROVIDER_JS: join(work, 'gone', 'provider.cjs') }, encoding: 'utf8' });
      assert.equal(broken.status, 1);
      const message = broken.stderr.replace(/\s+/g, ' ');
      assert.match(message, /Unrecognized remote plugin message: terraform-provider-dhcpagent \(npm package cdktf-dhcp-agent\) cannot start: its bundle \S+gone\/provider\.cjs is missing\. Fix: install the provider again/);
      const noNode = spawnSync(TERRAFORM, ['plan', '-no-color', '-input=false'], { cwd: work, env: { ...env, DHCP_AGENT_NODE: '/nonexistent/node' }, encoding: 'utf8' });
      assert.match(noNode.stderr.replace(/\s+/g, ' '), /Unrecognized remote plugin message: terraform-provider-dhcpagent \(npm package cdktf-dhcp-agent\) cannot start: Node\.js \(\/nonexistent\/node\) is not installed or not in PATH\. Fix: install Node\.js >= \d+\.\d+/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
