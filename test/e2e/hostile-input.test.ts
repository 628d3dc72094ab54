/**
 * Hostile input (issue 10): every input of the table below goes through the constructs (synth
 * must throw a ValidationError naming the field, the value and what is allowed) and through HCL
 * (terraform plan or apply must fail with a diagnostic naming the attribute and the value), and
 * the lab node must be exactly as before: namespaces, devices, rules, files under the state
 * path, processes, crontab.
 *
 * HCL inputs are batched: one working directory, one `terraform init`, every input a resource of
 * its own in one configuration; a plan reports every refusal it can, refused inputs are taken out
 * and the rest planned again, and what plan lets through is applied (refused on the node, before
 * any change). Figures: inputs tried, refused at synth / validate+plan / apply, node changes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, TerraformStack } from 'cdktf';
import { DhcpAgentNode, DhcpNetwork, DhcpPort } from '../../constructs';
import * as agent from '../../src/agent';
import { SshPool } from '../../src/host';
import { labDown, labUnavailableReason, labUp, type Lab, type LabNode } from '../../src/lab';
import { ValidationError } from '../../src/model/errors';
import { installProvider } from '../../src/provider/packaging';
import { diffSnapshots, snapshotNodeState } from '../support/node-state';
import { networkSpec, portSpec } from '../support/specs';
import { TfDir, terraformUnavailableReason } from '../support/terraform';
import { BASE_DHCP_PORT, BASE_MAC, BASE_NET, BASE_PORT, INPUTS, KEY, type HostileInput } from './hostile-inputs';

const LAB = 'hdhost';
const skip = labUnavailableReason() ?? terraformUnavailableReason();

/** The network and port already served on the node: ids, MACs and addresses to collide with. */
// ---------------------------------------------------------------------------------------------

const CONSTRUCT_NODE = { host: '192.0.2.10', insecureIgnoreHostKey: true };
const CONSTRUCT_NET = { networkId: 'hostile-net', bridge: 'br0', subnets: [{ cidr: '172.21.0.0/24', gatewayIp: '172.21.0.1' }], dhcpPorts: [{ id: BASE_DHCP_PORT }] };
const CONSTRUCT_PORT = { macAddress: 'fa:16:3e:77:00:01', fixedIps: [{ ipAddress: '172.21.0.10' }] };

/** Synthesizes the input through the constructs; returns the ValidationError (or throws). */
function throughConstructs(input: HostileInput): ValidationError {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'hostile-synth-')) });
  try {
    const stack = new TerraformStack(app, 'stack');
    const n = new DhcpAgentNode(stack, 'n', { ...CONSTRUCT_NODE, ...(input.target === 'node' ? input.props : {}) });
    const network = new DhcpNetwork(stack, 'net', { agents: [n], ...CONSTRUCT_NET, ...(input.target === 'network' ? input.props : {}) });
    if (input.target === 'port') {
      // What the node serves already, as the same stack would declare it.
      new DhcpPort(stack, 'base', { network, portId: BASE_PORT, macAddress: BASE_MAC, fixedIps: [{ ipAddress: '172.21.0.200' }] });
      new DhcpPort(stack, 'p', { network, ...CONSTRUCT_PORT, ...input.props });
    }
    app.synth();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  } finally {
    rmSync(app.outdir, { recursive: true, force: true });
  }
  throw new Error('accepted at synth');
}

let lab: Lab;
let labNode: LabNode;
let tf: TfDir;
let work: string;

/** The HCL of input `i` as resource `c<i>`. */
function resourceHcl(input: HostileInput, i: number): string {
  const nodeOverrides = Object.entries(input.hcl).filter(([k]) => k.startsWith('node.'));
  const nodeExpr = nodeOverrides.length ? `merge(local.node, { ${nodeOverrides.map(([k, v]) => `${k.slice(5)} = ${v}`).join(', ')} })` : 'local.node';
  const own = Object.fromEntries(Object.entries(input.hcl).filter(([k]) => !k.startsWith('node.')));
  const attrs: Record<string, string> =
    input.target === 'port'
      ? { network_id: `"${BASE_NET}"`, port_id: `"hp-${i}"`, mac_address: `"fa:16:3e:77:00:${(i % 256).toString(16).padStart(2, '0')}"`, fixed_ips: `[{ ip_address = "172.21.0.${10 + (i % 180)}" }]` }
      : input.target === 'network'
        ? { network_id: `"hn-${i}"`, bridge: `"${labNode.bridge}"`, subnets: `[{ cidr = "10.${100 + (i % 100)}.0.0/24" }]` }
        : {};
  // A physical interface replaces the bridge.
  if ('physical_interface' in own) delete attrs.bridge;
  const type = input.target === 'node' && Object.keys(own).length === 0 ? 'dhcpagent_node' : `dhcpagent_${input.target === 'node' ? 'network' : input.target}`;
  if (input.target === 'node') Object.assign(attrs, { network_id: `"hn-${i}"`, bridge: `"${labNode.bridge}"`, subnets: '[{ cidr = "10.99.0.0/24" }]' });
  const body = { node: nodeExpr, ...attrs, ...own };
  return `resource "${input.target === 'node' ? 'dhcpagent_network' : type}" "c${i}" {\n${Object.entries(body).map(([k, v]) => `  ${k} = ${v}`).join('\n')}\n}\n`;
}

function config(indexes: readonly number[]): string {
  return [
    'terraform {\n  required_providers {\n    dhcpagent = { source = "dhcp-agent.local/cdktf/dhcpagent", version = "0.1.0" }\n  }\n}',
    `locals {\n  node = { host = "${labNode.address}", user = "${labNode.user}", private_key_path = "${labNode.privateKeyPath}", known_hosts_path = "${labNode.knownHostsPath}", state_path = "${labNode.statePath}" }\n}`,
    ...indexes.map((i) => resourceHcl(INPUTS[i], i)),
  ].join('\n') + '\n';
}

/** Terraform's error blocks, by the resource (`c<i>`) they name. */
function errorsByResource(output: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const block of output.split(/\n(?=Error: )/)) {
    if (!block.startsWith('Error: ')) continue;
    const m = /with dhcpagent_\w+\.c(\d+)|in resource "dhcpagent_\w+" "c(\d+)"/.exec(block);
    if (!m) continue;
    const i = Number(m[1] ?? m[2]);
    out.set(i, [...(out.get(i) ?? []), block]);
  }
  return out;
}

describe('hostile input: constructs and HCL refuse it, the node is unchanged', { skip }, () => {
  const figures = { tried: INPUTS.length, synth: 0, plan: 0, apply: 0, nodeChanges: 0 };
  let snapshot: Record<string, string>;
  let pool: SshPool;
  const assertNodeUnchanged = () => {
    const changes = diffSnapshots(snapshot, snapshotNodeState(labNode.netns, labNode.statePath));
    figures.nodeChanges += changes.length;
    assert.deepEqual(changes, [], 'the node is unchanged');
  };
  /** Applies one extra resource; it must fail, leave nothing in state, and return terraform's output. */
  const applyRefused = (resource: string): string => {
    writeFileSync(join(work, 'main.tf'), config([]) + resource);
    const r = tf.run('apply', '-no-color', '-input=false', '-lock=false', '-auto-approve');
    assert.notEqual(r.code, 0, r.stdout);
    assert.equal(tf.run('state', 'list').stdout.trim(), '', 'nothing in state');
    figures.tried++;
    figures.apply++;
    // Terraform wraps long diagnostic lines.
    return (r.stdout + r.stderr).replace(/\s+/g, ' ');
  };

  before(async () => {
    lab = await labUp({ name: LAB });
    labNode = lab.node(0);
    pool = new SshPool();
    const host = pool.get(lab.sshHostConfig(0));
    await agent.applyNode(host, { statePath: labNode.statePath, monitorIntervalSeconds: 60 });
    const base = networkSpec(labNode, { networkId: BASE_NET, cidr: '172.21.0.0/24' });
    const [self] = base.network.ports;
    const spec = { ...base, dhcpPortId: BASE_DHCP_PORT, network: { ...base.network, ports: [{ ...self, id: BASE_DHCP_PORT }] } };
    await agent.applyNetwork(host, spec);
    await agent.applyPort(host, portSpec(spec, { id: BASE_PORT, macAddress: BASE_MAC, ip: '172.21.0.200' }));
    await pool.closeAll();
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-hostile-'));
    tf = new TfDir(work);
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    writeFileSync(join(work, 'main.tf'), config([]));
    tf.must([0], 'init', '-no-color', '-input=false');
    snapshot = snapshotNodeState(labNode.netns, labNode.statePath);
  });
  after(async () => {
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`refuses ${INPUTS.length} inputs at synth, naming field, value and what is allowed`, (t) => {
    const failures: string[] = [];
    INPUTS.forEach((input, i) => {
      try {
        const err = throughConstructs(input);
        const line = err.message.split('\n').find((l) => l.includes(`: ${input.field}: got `));
        if (!line) return failures.push(`#${i} ${input.cls}: no line for ${input.field} in:\n${err.message}`);
        if (input.shown !== null && !line.includes(`got ${input.shown};`)) failures.push(`#${i} ${input.cls}: value ${input.shown} not shown in: ${line}`);
        if (input.shown === null && /BEGIN|b3BlbnNz/.test(err.message)) failures.push(`#${i} ${input.cls}: secret echoed: ${line}`);
        if (!/; \S/.test(line)) failures.push(`#${i}: no allowed text: ${line}`);
        figures.synth++;
      } catch (err) {
        failures.push(`#${i} ${input.cls} ${input.field}: ${(err as Error).message.split('\n')[0]}`);
      }
    });
    t.diagnostic(`constructs: ${figures.synth} of ${INPUTS.length} refused at synth`);
    assert.deepEqual(failures, []);
  });

  it(`refuses the same ${INPUTS.length} inputs through HCL (plan, else apply), naming attribute and value, and changes nothing on the node`, (t) => {
    const failures: string[] = [];
    const check = (i: number, blocks: string[]) => {
      const input = INPUTS[i];
      const text = blocks.join('\n');
      if (!text.includes(input.attribute)) failures.push(`#${i} ${input.cls}: attribute ${input.attribute} not named:\n${text}`);
      if (input.shown !== null && !text.includes(input.shown)) failures.push(`#${i} ${input.cls}: value ${input.shown} not shown:\n${text}`);
      // Terraform quotes the configuration's own source line ("  12: resource …"); the rest is the diagnostic.
      const said = text.split('\n').filter((l) => !/^\s*\d+: /.test(l)).join('\n');
      if (input.shown === null && /BEGIN|b3BlbnNz/.test(said)) failures.push(`#${i} ${input.cls}: secret echoed:\n${said}`);
    };
    let left = INPUTS.map((_, i) => i);
    const start = performance.now();
    for (let round = 1; left.length && round <= 4; round++) {
      writeFileSync(join(work, 'main.tf'), config(left));
      const r = tf.run('plan', '-no-color', '-input=false', '-lock=false');
      const errors = errorsByResource(r.stdout + r.stderr);
      t.diagnostic(`plan round ${round}: ${left.length} inputs, ${errors.size} refused, ${r.ms.toFixed(0)} ms`);
      if (errors.size === 0) break;
      for (const [i, blocks] of errors) check(i, blocks);
      figures.plan += errors.size;
      left = left.filter((i) => !errors.has(i));
    }
    if (left.length) {
      // What plan lets through needs the node (the network's subnets live there): applied, each refused before any change.
      writeFileSync(join(work, 'main.tf'), config(left));
      const r = tf.run('apply', '-no-color', '-input=false', '-lock=false', '-auto-approve');
      const errors = errorsByResource(r.stdout + r.stderr);
      t.diagnostic(`apply: ${left.length} inputs, ${errors.size} refused, ${r.ms.toFixed(0)} ms`);
      for (const [i, blocks] of errors) check(i, blocks);
      figures.apply += errors.size;
      for (const i of left.filter((i) => !errors.has(i))) failures.push(`#${i} ${INPUTS[i].cls} ${INPUTS[i].attribute}: accepted through HCL`);
    }
    t.diagnostic(`HCL: ${((performance.now() - start) / 1000).toFixed(1)} s for ${INPUTS.length} inputs`);
    assert.deepEqual(failures, []);
    assertNodeUnchanged();
  });

  it('refuses device-name collisions: at synth with both names, on the node for HCL, changing nothing', () => {
    // Two networks whose DHCP port ids share their first 11 characters (neutron's cut of a UUID).
    const collide = 'd7000000-0000-4000-8000-00000000000b';
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'hostile-synth-')) });
    const stack = new TerraformStack(app, 'stack');
    const n = new DhcpAgentNode(stack, 'n', CONSTRUCT_NODE);
    new DhcpNetwork(stack, 'a', { agents: [n], bridge: 'br0', networkId: BASE_NET, subnets: [{ cidr: '172.21.0.0/24' }], dhcpPorts: [{ id: BASE_DHCP_PORT }] });
    assert.throws(
      () => new DhcpNetwork(stack, 'b', { agents: [n], bridge: 'br0', networkId: 'hn-collide', subnets: [{ cidr: '10.98.0.0/24' }], dhcpPorts: [{ id: collide }] }),
      (err: unknown) => err instanceof ValidationError && /dhcpPorts\[0\]\.id: got "d7000000-0000-4000-8000-00000000000b"; a DHCP port id whose device name \(tapd7000000-00\) .* network stack\/a \(id a7000000/.test(err.message),
    );
    figures.synth++;
    rmSync(app.outdir, { recursive: true, force: true });
    const out = applyRefused(
      `resource "dhcpagent_network" "collide" {\n  node = local.node\n  network_id = "hn-collide"\n  bridge = "${labNode.bridge}"\n  dhcp_port_id = "${collide}"\n  subnets = [{ cidr = "10.98.0.0/24" }]\n}\n`,
    );
    assert.match(out, /device tapd7000000-00 on this node belongs to network a7000000-0000-4000-8000-000000000001, and network hn-collide derives the same name/);
    assertNodeUnchanged();
  });

  it("another stack's port of the same id: refused with an import hint, the first reservation kept, nothing in state", () => {
    const out = applyRefused(
      `resource "dhcpagent_port" "twin" {\n  node = local.node\n  network_id = "${BASE_NET}"\n  port_id = "${BASE_PORT}"\n  mac_address = "fa:16:3e:77:ee:01"\n  fixed_ips = [{ ip_address = "172.21.0.201" }]\n}\n`,
    );
    assert.match(out, new RegExp(`port ${BASE_PORT} of network ${BASE_NET} already exists on`));
    assert.match(out, new RegExp(`terraform import <resource address> '${labNode.user}@${labNode.address}:22/${BASE_NET}/${BASE_PORT}\\?`));
    assertNodeUnchanged();
  });

  it('key material in private_key_path: in no plan, state, log or message', () => {
    writeFileSync(join(work, 'key.pem'), KEY);
    writeFileSync(
      join(work, 'main.tf'),
      config([]) + `resource "dhcpagent_node" "k" {\n  node = merge(local.node, { private_key_path = file("\${path.module}/key.pem") })\n}\n`,
    );
    const logFile = join(work, 'tf.log');
    const r = tf.run('plan', '-no-color', '-input=false', '-lock=false', '-out=k.plan');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /Invalid node\.private_key_path/);
    assert.match(r.stdout + r.stderr, /value not shown: it holds key material/);
    const k = new TfDir(work, { TF_LOG: 'trace', TF_LOG_PATH: logFile });
    k.run('plan', '-no-color', '-input=false', '-lock=false');
    const everything = [r.stdout, r.stderr, tf.run('show', '-json').stdout, tf.run('show', '-json', 'k.plan').stdout, readLog(logFile)].join('\n');
    assert.doesNotMatch(everything, /b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW/);
  });

  it('prints the figures', (t) => {
    const line = `hostile inputs: ${figures.tried} tried; refused at synth ${figures.synth}, at validate/plan ${figures.plan}, at apply ${figures.apply}; node changes ${figures.nodeChanges}`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(figures.tried >= 60);
    assert.equal(figures.nodeChanges, 0);
  });
});

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
