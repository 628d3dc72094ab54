/**
 * A dead agent node never blocks the rest of the stack (issue 17), end to end with the real
 * cdktf CLI and terraform on a lab of three isolated nodes: a network served by nodes 1 and 2
 * (test/e2e/dead-node/main.ts), a VM on the lab switch doing DHCP exchanges in a loop all along.
 * Node 1 is powered off (its processes end; connections refused), then its link goes down too
 * (no answer at all): the client keeps getting leases, `cdktf diff` and `terraform plan` still
 * plan and name node 1 as unreachable, a deploy that adds a port serves it from node 2 (and
 * fails, naming node 1, for node 1's part), a deploy that replaces node 1 by node 3 with node 1
 * declared goneForGood succeeds, and when node 1 comes back the next deploy removes what the
 * agent had left on it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DhcpProber, formatReport, labDown, labUnavailableReason, labUp, type Lab } from '../../src/lab';
import { providerBundle, repoRoot, TERRAFORM, terraformUnavailableReason } from '../support/terraform';
import { connectionFromValue, hostFor } from '../../src/provider/resources/connection';
import { defaultSshPool } from '../../src/host';
import { cdktfEnv } from '../../scripts/cdktf-env';
import { NETWORK_ID, PORTS } from './dead-node/values';

const LAB = 'dn';
const CDKTF = join(repoRoot, 'node_modules', '.bin', 'cdktf');
const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');
const APP = join(repoRoot, 'test', 'e2e', 'dead-node');
const STACK = 'dead-node';

const skip =
  labUnavailableReason() ??
  terraformUnavailableReason() ??
  (existsSync(CDKTF) && existsSync(TSX) ? undefined : `cdktf-cli or tsx is not installed in ${repoRoot}/node_modules (npm install)`);

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly ms: number;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      // eslint-disable-next-line no-control-regex
      resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, ''), ms: performance.now() - t0 });
    });
  });
}

/** Lays the app into `work` the way the repo has it, with a tsconfig pointing back at the repo. */
function copyApp(work: string): string {
  const dir = join(work, 'test', 'e2e', 'dead-node');
  mkdirSync(dir, { recursive: true });
  for (const f of ['main.ts', 'values.ts']) copyFileSync(join(APP, f), join(dir, f));
  mkdirSync(join(work, 'examples'));
  copyFileSync(join(repoRoot, 'examples', 'lab-node.ts'), join(work, 'examples', 'lab-node.ts'));
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(repoRoot, 'tsconfig.json'),
      compilerOptions: { paths: { 'cdktf-dhcp-agent': [join(repoRoot, 'index.ts')] } },
      include: ['*.ts', '../../../examples/lab-node.ts'],
    }),
  );
  writeFileSync(
    join(dir, 'cdktf.json'),
    JSON.stringify({ language: 'typescript', app: `${TSX} main.ts`, projectId: '5f0c7d3e-2a41-4b6c-9d8e-7f1a2b3c4d5e', sendCrashReports: 'false', terraformProviders: [], terraformModules: [], context: {} }, null, 2),
  );
  writeFileSync(join(work, 'terraformrc'), '');
  return dir;
}

describe('a dead agent node never blocks the rest of the stack', { skip }, () => {
  let lab: Lab;
  let work: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let deployed = false;
  let loop: DhcpProber | undefined;
  let node1Off = false;
  const stackEnv: NodeJS.ProcessEnv = {};
  const label = (i: number): string => `${lab.node(i).user}@${lab.node(i).address}:22`;
  const unreachable = (i: number): RegExp => new RegExp(`Node ${label(i).replace(/[.]/g, '\\.')} is unreachable`);

  const cdktf = (...args: string[]): Promise<Run> => run(CDKTF, args, dir, { ...env, ...stackEnv });
  async function mustCdktf(...args: string[]): Promise<Run> {
    const r = await cdktf(...args);
    assert.equal(r.code, 0, `cdktf ${args.join(' ')} exited ${r.code}:\n${r.out}`);
    return r;
  }
  /** `terraform plan` on the synthesized stack (what cdktf diff runs, without its synth). */
  const plan = (): Promise<Run> => run(TERRAFORM, ['plan', '-input=false', '-lock=false', '-detailed-exitcode', '-no-color'], join(dir, 'cdktf.out', 'stacks', STACK), env);
  const dhcpAddresses = (): string[] => {
    const state = JSON.parse(readFileSync(join(dir, `terraform.${STACK}.tfstate`), 'utf8')) as { outputs: { dhcp_addresses: { value: string[][] } } };
    return state.outputs.dhcp_addresses.value.map((a) => a[0].split('/')[0]);
  };
  async function inNode(i: number, command: string): Promise<string> {
    const r = await lab.inNode(i, command);
    assert.equal(r.code, 0, `in node n${i}: ${command}\n${r.stderr}`);
    return r.stdout;
  }
  /** How long the provider's connect takes to give up on node `i` (its whole cost to a plan). */
  async function verdictMs(i: number): Promise<{ ms: number; error: string }> {
    const n = lab.node(i);
    const t0 = performance.now();
    try {
      const host = await hostFor(connectionFromValue({ host: n.address, user: n.user, private_key_path: n.privateKeyPath, host_key_sha256: n.hostKeySha256 }));
      await host.run('true');
      assert.fail(`node n${i} answered`);
    } catch (err) {
      return { ms: performance.now() - t0, error: (err as Error).message };
    } finally {
      await defaultSshPool.closeAll();
    }
  }
  async function leaseOnce(mac: string, name: string): Promise<{ ip: string; serverId?: string }> {
    const vm = await lab.addVm({ onSwitch: true, name, mac });
    try {
      return await vm.dhcp({ timeoutMs: 8000 });
    } finally {
      await vm.remove();
    }
  }

  before(async () => {
    lab = await labUp({ name: LAB, nodes: 3, isolatedNetns: true, switch: true });
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-deadnode-'));
    dir = copyApp(work);
    // The lab is found by name (DHCP_AGENT_LAB), never through an inherited directory.
    const { DHCP_AGENT_LAB_DIR: _dir, ...offline } = cdktfEnv(work, { DHCP_AGENT_LAB: LAB, TF_CLI_CONFIG_FILE: join(work, 'terraformrc'), DHCP_AGENT_PROVIDER_JS: providerBundle() });
    env = offline;
  });
  after(async () => {
    await loop?.stop();
    if (deployed && dir) {
      // Whatever state the scenario stopped in: every node up, then destroy.
      if (node1Off) await lab.powerOn(0).catch(() => undefined);
      await cdktf('destroy', '--auto-approve').catch(() => undefined);
    }
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('deploys the network on nodes 1 and 2; a client on the switch gets its lease in a loop', async (t) => {
    Object.assign(stackEnv, { DEAD_NODE_AGENTS: '1,2', DEAD_NODE_GONE: '', DEAD_NODE_PORTS: '1' });
    const r = await mustCdktf('deploy', '--auto-approve');
    deployed = true;
    assert.match(r.out, /Apply complete! Resources: 6 added, 0 changed, 0 destroyed/);
    const vm = await lab.addVm({ onSwitch: true, name: 'loop', mac: PORTS[0].mac });
    loop = DhcpProber.start(vm, { expectIp: PORTS[0].ip, exchangeTimeoutMs: 5000, pauseMs: 200 });
    await loop.waitForAttempts(2);
    await plan(); // a first plan warms the caches up
    const p = await plan();
    assert.equal(p.code, 0, `plan with every node up: no changes\n${p.out}`);
    t.diagnostic(`terraform plan, every node up: ${p.ms.toFixed(0)} ms`);
  });

  it('node 1 refuses connections: the client keeps its lease; diff and plan name node 1 as unreachable', async (t) => {
    await lab.powerOff(0);
    node1Off = true;
    await loop!.waitForAttempts(3);
    const d = await mustCdktf('diff');
    assert.match(d.out, unreachable(0), d.out);
    assert.match(d.out, /No changes/, d.out);
    t.diagnostic(`cdktf diff, node 1 refusing connections: ${d.ms.toFixed(0)} ms`);
    const p = await plan();
    assert.equal(p.code, 0, `a plan, not an error\n${p.out}`);
    assert.match(p.out, unreachable(0));
    assert.match(p.out, /unreachable since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    assert.match(p.out, /ECONNREFUSED/);
    t.diagnostic(`terraform plan, node 1 refusing connections: ${p.ms.toFixed(0)} ms`);
    const v = await verdictMs(0);
    assert.match(v.error, /ECONNREFUSED/);
    assert.ok(v.ms < 3000, `given up on within 3 s: ${v.ms} ms`);
    t.diagnostic(`the provider's connect gives up on a refusing node after ${v.ms.toFixed(0)} ms (${v.error})`);
  });

  it('node 1 blackholed (its link down): the plan still plans, within the connect bound', async (t) => {
    await lab.setLink(0, 'down');
    const p = await plan();
    assert.equal(p.code, 0, `a plan, not an error\n${p.out}`);
    assert.match(p.out, unreachable(0));
    t.diagnostic(`terraform plan, node 1 blackholed (link down): ${p.ms.toFixed(0)} ms`);
    const v = await verdictMs(0);
    assert.ok(v.ms < 6000, `given up on within 6 s: ${v.ms} ms`);
    t.diagnostic(`the provider's connect gives up on a blackholed node after ${v.ms.toFixed(0)} ms (${v.error})`);
    await loop!.waitForAttempts(2);
  });

  it('a deploy that adds a port serves it from node 2, and names node 1 for its part there', async () => {
    stackEnv.DEAD_NODE_PORTS = '2';
    const d = await cdktf('diff');
    assert.equal(d.code, 0, d.out);
    assert.match(d.out, new RegExp(`Node ${label(0).replace(/[.]/g, '\\.')} is unreachable: changes planned on it cannot be applied`), d.out);
    assert.match(d.out, /cannot\s+be\s+applied\s+while/);
    const r = await cdktf('deploy', '--auto-approve');
    assert.notEqual(r.code, 0, 'the part on node 1 cannot be applied');
    assert.match(r.out, new RegExp(`Create of dhcpagent_port \\S+ on ${label(0).replace(/[.]/g, '\\.')}: cannot reach`));
    const l = await leaseOnce(PORTS[1].mac, 'vm2');
    assert.equal(l.ip, PORTS[1].ip);
    assert.equal(l.serverId, dhcpAddresses()[1], 'node 2 answered');
  });

  it('a deploy that replaces node 1 by node 3 (node 1 declared goneForGood) succeeds', async () => {
    Object.assign(stackEnv, { DEAD_NODE_AGENTS: '3,2', DEAD_NODE_GONE: '1' });
    const r = await mustCdktf('deploy', '--auto-approve');
    assert.match(r.out, /is gone for good: its resources leave the state/);
    assert.match(r.out, /Apply complete!/);
    assert.match(await inNode(2, 'ip netns list'), new RegExp(`^qdhcp-${NETWORK_ID}`, 'm'));
    const pid = Number(readFileSync(`${lab.node(2).statePath}/dhcp/${NETWORK_ID}/pid`, 'utf8').trim());
    assert.ok(existsSync(`/proc/${pid}`), 'dnsmasq runs on node 3');
    // vm1 is the loop's client; vm2 from a VM of its own.
    assert.equal((await leaseOnce(PORTS[1].mac, 'vm2b')).ip, PORTS[1].ip);
    await loop!.waitForAttempts(2);
    const again = await mustCdktf('diff');
    assert.match(again.out, /No changes/, again.out);
  });

  it('node 1 comes back: the diff lists what the agent left there, the next deploy removes it', async () => {
    await lab.powerOn(0);
    node1Off = false;
    const state = lab.node(0).statePath;
    assert.ok(existsSync(`${state}/dhcp/${NETWORK_ID}/network.json`), 'node 1 still keeps the network’s files');
    const d = await mustCdktf('diff');
    assert.match(d.out, new RegExp(`still keeps network ${NETWORK_ID}`), d.out);
    const r = await mustCdktf('deploy', '--auto-approve');
    assert.match(r.out, /Apply complete! Resources: 0 added, 1 changed, 0 destroyed/);
    assert.ok(!existsSync(`${state}/dhcp/${NETWORK_ID}`), 'the network’s directory is gone from node 1');
    assert.ok(!existsSync(`${state}/monitor.sh`), 'so is the process monitor');
    const links = await inNode(0, 'ip -o link show');
    assert.doesNotMatch(links, new RegExp(`brq${NETWORK_ID.slice(0, 11)}`), 'and the bridge the agent made');
    const again = await mustCdktf('diff');
    assert.match(again.out, /No changes/, again.out);
  });

  it('the client never missed a lease', async (t) => {
    const report = await loop!.stop();
    t.diagnostic(`DHCP exchanges all along: ${formatReport(report)}`);
    assert.ok(report.attempts > 10, `${report.attempts} exchanges`);
    assert.equal(report.failures, 0, formatReport(report));
  });
});
