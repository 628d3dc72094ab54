/**
 * Problems found at plan time: for a node that is new or changed, `terraform plan` connects once
 * (host key, credentials, become, prerequisites) and fails with the diagnostic the apply would
 * give, before anything on the node changes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labDown, labUnavailableReason, labUp, PASSWORD_SUDO_USER, type LabNode } from '../../src/lab';
import { installProvider } from '../../src/provider/packaging';
import { TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'nwcplan';
const skip = labUnavailableReason() ?? terraformUnavailableReason();

const MAIN_TF = `
terraform {
  required_providers {
    dhcpagent = { source = "dhcp-agent.local/cdktf/dhcpagent" }
  }
}
variable "node" { type = any }
resource "dhcpagent_node" "n" {
  node = var.node
}
`;

describe('problems found at plan time, before anything changes', { skip }, () => {
  let node: LabNode;
  let work: string;
  let tf: TfDir;
  /** A state path that does not exist yet: whatever makes it is a change on the node. */
  let statePath: string;

  before(async () => {
    node = (await labUp({ name: LAB })).node(0);
    statePath = join(node.dir, 'plan-check-state');
    work = mkdtempSync(join(tmpdir(), 'nwc-plan-'));
    tf = new TfDir(work);
    writeFileSync(join(work, 'main.tf'), MAIN_TF);
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    tf.must([0], 'init', '-no-color', '-input=false');
  });
  after(async () => {
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const varFile = (conn: Record<string, unknown>) => {
    writeFileSync(join(work, 'node.auto.tfvars.json'), JSON.stringify({ node: { host: node.address, private_key_path: node.privateKeyPath, state_path: statePath, ...conn } }));
  };
  /** Plan, then apply of the same configuration: both fail with the same message; the node is untouched. */
  const failsAtPlanAsAtApply = (conn: Record<string, unknown>, expected: RegExp) => {
    varFile(conn);
    const plan = tf.run('plan', '-no-color', '-input=false');
    assert.equal(plan.code, 1, plan.stdout + plan.stderr);
    assert.match(plan.stderr, expected);
    assert.match(plan.stderr, /Create of dhcpagent_node/);
    assert.ok(!existsSync(statePath), 'nothing made on the node');
    const apply = tf.run('apply', '-no-color', '-input=false', '-auto-approve');
    assert.equal(apply.code, 1);
    const firstError = (text: string) => text.slice(text.indexOf('Error: '), text.indexOf('\n\n', text.indexOf('Error: ') + 8));
    assert.equal(firstError(apply.stderr), firstError(plan.stderr), 'the same diagnostic at plan and at apply');
    assert.ok(!existsSync(statePath), 'nothing made on the node');
    return plan;
  };

  it('a wrong host key fails the plan, naming it', (t) => {
    const p = failsAtPlanAsAtApply({ host_key_sha256: 'SHA256:' + 'A'.repeat(43), user: node.user }, /host key/i);
    t.diagnostic(`plan with a wrong host key failed in ${p.ms.toFixed(0)} ms`);
  });

  it('become = "sudo" for a user whose sudo wants a password fails the plan', () => {
    failsAtPlanAsAtApply({ known_hosts_path: node.knownHostsPath, user: PASSWORD_SUDO_USER, become: 'sudo' }, /sudo/);
  });

  it('a state path the agent cannot use fails the plan (the checks that precede any change run at plan time)', () => {
    const file = join(node.dir, 'plan-check-file');
    writeFileSync(file, '');
    failsAtPlanAsAtApply({ known_hosts_path: node.knownHostsPath, user: node.user, state_path: join(file, 'state') }, /plan-check-file is not a\s+directory/);
  });

  it('a node that cannot be reached at plan time gets a warning only (it may come up before the apply)', () => {
    varFile({ known_hosts_path: node.knownHostsPath, user: node.user, port: 2 });
    const p = tf.run('plan', '-no-color', '-input=false', '-detailed-exitcode');
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout + p.stderr, /Warning: dalabroot@\S+:2 could not be reached at plan time/);
    assert.match(p.stdout + p.stderr, /The apply will try again/);
  });

  it('a node that is fine plans its creation, and the apply makes it', (t) => {
    varFile({ known_hosts_path: node.knownHostsPath, user: node.user });
    const p = tf.run('plan', '-no-color', '-input=false', '-detailed-exitcode');
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.ok(!existsSync(statePath), 'the plan changed nothing');
    t.diagnostic(`plan of a new node (with its check on the node): ${p.ms.toFixed(0)} ms`);
    tf.must([0], 'apply', '-no-color', '-input=false', '-auto-approve');
    assert.ok(existsSync(statePath));
    assert.equal(tf.run('plan', '-no-color', '-input=false', '-detailed-exitcode').code, 0);
    tf.must([0], 'destroy', '-no-color', '-input=false', '-auto-approve');
  });
});
