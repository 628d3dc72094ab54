import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing, TerraformStack, type TerraformResource } from 'cdktf';
import { DhcpNetwork, DhcpPort } from '../../constructs';
import { DhcpagentProvider } from '../../constructs/l1';
import { writeLockFile } from '../../constructs/provider-install';
import { packageHash, providerLockBlock, providerPackageFiles, terraformPlatform } from '../../src/provider/packaging';
import { PROVIDER_SOURCE, providerVersion } from '../../src/provider/version';
import { providerBundle, TERRAFORM, terraformUnavailableReason } from '../support/terraform';
import { newNode, testingApp } from './constructs-support';

const HEADER = '# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n';
const NULL_BLOCK = `provider "registry.terraform.io/hashicorp/null" {
  version     = "3.2.3"
  constraints = "3.2.3"
  hashes = [
    "h1:I0Um8UkrMUb81Fxq/dxbr3HLP2cecTH2WMJiwKSrwQY=",
    "zh:22d062e5278d872fe7aed834f5577ba0a5afe34a3bdac2b81f828d8d3e6706d2",
  ]
}`;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'constructs-install-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const version = providerVersion();

function packagePath(outdir: string, stack: string): string {
  return join(outdir, 'stacks', stack, 'terraform.d', 'plugins', 'dhcp-agent.local', 'cdktf', 'dhcpagent', `terraform-provider-dhcpagent_${version}_${terraformPlatform()}.zip`);
}

function declare(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  const node = newNode(stack);
  const net = new DhcpNetwork(stack, 'net', { agents: [node], bridge: 'br0', subnets: [{ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }] });
  new DhcpPort(stack, 'vm', { network: net, macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '10.0.0.10' }] });
  return stack;
}

describe('provider installation at synthesis', () => {
  it('lays the provider package (zip of bundle + launcher) into each stack directory', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    declare(app, 'site-a');
    declare(app, 'site-b');
    app.synth();
    for (const stack of ['site-a', 'site-b']) {
      const file = packagePath(outdir, stack);
      assert.ok(statSync(file).size > readFileSync(providerBundle()).length, `${file} holds the bundle`);
      assert.ok(statSync(join(outdir, 'stacks', stack, 'cdk.tf.json')).isFile());
    }
  });

  it('writes .terraform.lock.hcl with the version, the constraint cdktf compares and the h1 hash of the package', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    declare(app, 'site');
    app.synth();
    const lock = readFileSync(join(outdir, 'stacks', 'site', '.terraform.lock.hcl'), 'utf8');
    const hash = packageHash(providerPackageFiles('dhcpagent', version));
    assert.match(hash, /^h1:[A-Za-z0-9+/]{43}=$/);
    assert.equal(
      lock,
      `${HEADER}\nprovider "${PROVIDER_SOURCE}" {\n  version     = "${version}"\n  constraints = "${version}"\n  hashes = [\n    "${hash}",\n  ]\n}\n`,
    );
    assert.equal(lock, `${HEADER}\n${providerLockBlock()}`);
    // The constraint equals the version in required_providers, as cdktf-cli requires to skip `terraform providers lock`.
    const config = JSON.parse(readFileSync(join(outdir, 'stacks', 'site', 'cdk.tf.json'), 'utf8')) as { terraform: { required_providers: Record<string, unknown> } };
    assert.deepEqual(config.terraform.required_providers.dhcpagent, { source: PROVIDER_SOURCE, version });
  });

  it("keeps another provider's block of an existing lock file, replaces its own, and writes the header once", () => {
    const outdir = tempDir();
    const stackDir = join(outdir, 'stacks', 'site');
    mkdirSync(stackDir, { recursive: true });
    const stale = providerLockBlock({ version: '0.0.1' }).trim();
    writeFileSync(join(stackDir, '.terraform.lock.hcl'), `${HEADER}\n${NULL_BLOCK}\n\n${stale}\n`);
    const app = new App({ outdir });
    declare(app, 'site');
    app.synth();
    const lock = readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8');
    assert.equal(lock.split('maintained automatically').length, 2, 'the header once');
    assert.ok(lock.startsWith(HEADER));
    assert.ok(lock.includes(NULL_BLOCK), 'the other provider is kept');
    assert.equal(lock.split(`provider "${PROVIDER_SOURCE}"`).length, 2, 'one block of this provider');
    assert.ok(!lock.includes('"0.0.1"'), 'the stale version is gone');
    assert.ok(lock.includes(providerLockBlock().trim()));

    // Synthesizing again changes nothing.
    const again = new App({ outdir });
    declare(again, 'site');
    again.synth();
    assert.equal(readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8'), lock);
  });

  it('writeLockFile on its own: new file, then idempotent', () => {
    const file = join(tempDir(), '.terraform.lock.hcl');
    writeLockFile(file);
    const first = readFileSync(file, 'utf8');
    assert.equal(first, `${HEADER}\n${providerLockBlock()}`);
    writeLockFile(file);
    assert.equal(readFileSync(file, 'utf8'), first);
  });

  it('installIntoStack: false writes neither provider package nor lock file', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'site');
    new DhcpagentProvider(stack, 'dhcpagent', { installIntoStack: false });
    newNode(stack);
    app.synth();
    assert.throws(() => statSync(packagePath(outdir, 'site')), { code: 'ENOENT' });
    assert.throws(() => statSync(join(outdir, 'stacks', 'site', '.terraform.lock.hcl')), { code: 'ENOENT' });
  });
});

describe('the synthesized stack is valid Terraform', () => {
  const skip = terraformUnavailableReason();
  it('terraform init (offline, from the laid launcher and lock file) and terraform validate', { skip }, () => {
    const valid = declare(testingApp(), 'site');
    // The same check must fail for an attribute the provider schema lacks: the schema really is read.
    const invalid = declare(testingApp(), 'site');
    (invalid.node.findChild('n1').node.findChild('Resource') as TerraformResource).addOverride('no_such_attribute', 1);
    const cliConfig = join(tempDir(), 'empty.tfrc');
    writeFileSync(cliConfig, '');
    const env = { TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', DHCP_AGENT_PROVIDER_JS: providerBundle() };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    // toBeValidTerraform runs terraform with this process's environment.
    Object.assign(process.env, env);
    try {
      for (const [stack, expected] of [[valid, true], [invalid, false]] as const) {
        const dir = Testing.fullSynth(stack);
        dirs.push(dir);
        assert.equal(Testing.toBeValidTerraform(dir), expected);
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('two apps on one machine, one shared plugin cache', () => {
  const skip = terraformUnavailableReason();
  it("the second app's terraform init and provider start do not depend on the first app's cdktf.out", { skip }, (t) => {
    const home = tempDir();
    const cache = join(home, '.terraform.d', 'plugin-cache');
    mkdirSync(cache, { recursive: true });
    const cliConfig = join(home, 'empty.tfrc');
    writeFileSync(cliConfig, '');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TF_CLI_CONFIG_FILE: cliConfig, TF_PLUGIN_CACHE_DIR: cache, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
    // The provider must start from what was installed, not from this checkout.
    delete env.DHCP_AGENT_PROVIDER_JS;
    const terraform = (cwd: string, ...args: string[]) => {
      const r = spawnSync(TERRAFORM, args, { cwd, env, encoding: 'utf8' });
      assert.equal(r.status, 0, `terraform ${args.join(' ')} in ${cwd}:\n${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const synth = () => {
      const outdir = join(tempDir(), 'cdktf.out');
      const app = new App({ outdir });
      declare(app, 'site');
      app.synth();
      return join(outdir, 'stacks', 'site');
    };
    const first = synth();
    terraform(first, 'init', '-input=false', '-no-color');
    // The cache holds real files, not links into the first app.
    const cached = join(cache, 'dhcp-agent.local', 'cdktf', 'dhcpagent', version, terraformPlatform());
    assert.ok(!lstatSync(cached).isSymbolicLink(), `${cached} is a directory of its own`);
    for (const f of readdirSync(cached)) assert.ok(lstatSync(join(cached, f)).isFile(), `${f} is a file`);
    rmSync(join(first, '..', '..'), { recursive: true, force: true });

    const second = synth();
    terraform(second, 'init', '-input=false', '-no-color');
    assert.ok(realpathSync(join(second, '.terraform', 'providers', 'dhcp-agent.local', 'cdktf', 'dhcpagent', version, terraformPlatform())).startsWith(realpathSync(cache)));
    const schema = JSON.parse(terraform(second, 'providers', 'schema', '-json')) as { provider_schemas: Record<string, { resource_schemas: object }> };
    assert.deepEqual(Object.keys(schema.provider_schemas[PROVIDER_SOURCE].resource_schemas).sort(), ['dhcpagent_network', 'dhcpagent_node', 'dhcpagent_port']);
    t.diagnostic(`plugin cache entry: ${readdirSync(cached).join(', ')}`);
  });
});
