/**
 * The generated L1 bindings against the real Terraform (offline, provider from a local mirror):
 * the schema they are generated from is what `terraform providers schema -json` prints for the
 * built provider, and `cdktf synth --hcl` of the quickstart gives HCL that `terraform validate`
 * accepts. No lab: validation never contacts the nodes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GENERATED_DIR, SCHEMA_FILE, providerSchemaJson } from '../../scripts/gen-l1';
import { installProvider } from '../../src/provider/packaging';
import { PROVIDER_SOURCE } from '../../src/provider/version';
import { CdktfApp } from '../support/cdktf';
import { TfDir, terraformUnavailableReason } from '../support/terraform';

const skip = terraformUnavailableReason();
const FINGERPRINT = 'SHA256:2pQ6eW8Hc7b2j0Xh0wS5l9kq0m3bWQp7yX1u8m2T4aE';

describe('generated L1 bindings with terraform', { skip }, () => {
  let work: string | undefined;
  let app: CdktfApp | undefined;
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    app?.remove();
  });

  it('are generated from the schema `terraform providers schema -json` prints for the built provider', () => {
    work = mkdtempSync(join(tmpdir(), 'l1-schema-'));
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    writeFileSync(join(work, 'main.tf'), `terraform {\n  required_providers {\n    dhcpagent = { source = "${PROVIDER_SOURCE}" }\n  }\n}\n`);
    const tf = new TfDir(work);
    tf.must([0], 'init', '-no-color', '-input=false');
    const printed: unknown = JSON.parse(tf.must([0], 'providers', 'schema', '-json').stdout);
    assert.deepEqual(providerSchemaJson(), printed);
    assert.deepEqual(JSON.parse(readFileSync(join(GENERATED_DIR, SCHEMA_FILE), 'utf8')), printed, 'constructs/l1/generated is stale: npm run gen:l1');
  });

  it('cdktf synth --hcl of the quickstart gives HCL that terraform validate accepts', (t) => {
    app = new CdktfApp('lghcl', 'quickstart', { NODE_HOST: '192.0.2.10', NODE_HOST_KEY_SHA256: FINGERPRINT, NODE_BRIDGE: 'br0' });
    const synth = app.must(['synth', '--hcl']);
    t.diagnostic(`cdktf synth --hcl of the quickstart: ${synth.ms.toFixed(0)} ms`);
    const dir = app.stackDir('quickstart');
    assert.ok(!existsSync(join(dir, 'cdk.tf.json')), 'HCL only');
    const hcl = readFileSync(join(dir, 'cdk.tf'), 'utf8');
    // Nested attributes, not blocks: Terraform refuses `node { … }` for the `node` attribute.
    assert.match(hcl, /^\s*node = \{$/m);
    assert.match(hcl, /^\s*subnets = \[$/m);
    assert.doesNotMatch(hcl, /^\s*(node|subnets|fixed_ips|extra_dhcp_opts) \{$/m);
    assert.doesNotMatch(hcl, /\[object Object\]/);

    const tf = new TfDir(dir);
    // Offline: the provider comes from terraform.d/plugins and the lock file that synth laid in.
    tf.must([0], 'init', '-no-color', '-input=false');
    const v = tf.must([0], 'validate', '-no-color');
    t.diagnostic(`terraform validate: ${v.ms.toFixed(0)} ms`);
    assert.match(v.stdout, /Success! The configuration is valid/);
    // cdktf's HCL renderer quotes the provider and depends_on references (Terraform accepts
    // them with a deprecation warning); any other warning is a finding.
    const warnings = [...`${v.stdout}${v.stderr}`.matchAll(/^Warning: (.+)$/gm)].map((m) => m[1]);
    t.diagnostic(`validate warnings: ${JSON.stringify(warnings)} (${(/and (\d+) more similar warnings/.exec(v.stdout) ?? [])[1] ?? 0} more similar)`);
    assert.deepEqual([...new Set(warnings)], warnings.length ? ['Quoted references are deprecated'] : []);
  });
});
