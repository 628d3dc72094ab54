/**
 * `npm run bench`: provider mode vs portable (provisioner) mode on the same stacks, on one lab
 * node of this machine. For each size N networks × M ports and each mode, `--runs` times:
 * synthesize the stack with the constructs, then with terraform on the synthesized stack
 * (cdktf's own CLI is left out: it adds the same ~1.5 s synth + wrapper cost to both modes):
 *   apply (first deploy, verified by leases on a sample of ports) · a no-op plan with refresh
 *   (the drift check; portable mode: `dhcp-agent drift`) · adding one port (terraform apply,
 *   and the port handler's own time on the node) · destroy;
 * plus the peak RSS of the provider (or CLI) processes and the SSH connections opened.
 * Prints medians as a table and writes all figures as JSON.
 *
 *   npm run bench -- [--sizes 20x10,50x20] [--runs 3] [--modes provider,provisioner] [--out bench-results/bench.json]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { DhcpAgentNode, DhcpNetwork, DhcpPort, type AgentMode } from '../index';
import * as agent from '../src/agent';
import { SshPool } from '../src/host';
import { labDown, labUp, type Lab, type LabNode } from '../src/lab';
import { cdktfEnv } from './cdktf-env';

const root = resolve(__dirname, '..');
const TERRAFORM = process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform';
const LAB = 'bench';

interface Size {
  readonly networks: number;
  readonly ports: number;
}

interface RunFigures {
  applyS: number;
  leasesOk: string;
  planS: number;
  planExit: number;
  addPortS: number;
  addPortNodeMs: number;
  addPortRoundTripMs: number;
  destroyS: number;
  peakRssMiB: number;
  ssh: { apply: number; plan: number; addPort: number; destroy: number };
}

const say = (s: string) => process.stdout.write(`${s}\n`);

function mac(i: number, j: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `fa:16:3e:${h(i)}:${h(j >> 8)}:${h(j & 255)}`;
}

/** The bench stack: `networks` networks of `ports` ports on one node (one more port on network 0 with `extra`). */
function synthesize(outdir: string, node: LabNode, mode: AgentMode, size: Size, extra: boolean): string {
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir, skipValidation: true });
  const stack = new TerraformStack(app, 'bench');
  // Each run keeps its own state (cdktf's default would be ./terraform.bench.tfstate, shared).
  new LocalBackend(stack, { path: join(outdir, 'terraform.tfstate') });
  const agentNode = new DhcpAgentNode(stack, 'node', { host: node.address, user: node.user, privateKeyPath: node.privateKeyPath, knownHostsPath: node.knownHostsPath, statePath: node.statePath, mode });
  for (let i = 0; i < size.networks; i++) {
    const net = new DhcpNetwork(stack, `net${i}`, {
      agents: [agentNode],
      networkId: `be0c0000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      bridge: node.bridge,
      subnets: [{ cidr: `10.100.${i}.0/24`, gatewayIp: `10.100.${i}.1` }],
      mtu: 1500,
    });
    const count = size.ports + (extra && i === 0 ? 1 : 0);
    for (let j = 0; j < count; j++) {
      new DhcpPort(stack, `net${i}-p${j}`, { network: net, macAddress: mac(i, j), fixedIps: [{ ipAddress: `10.100.${i}.${10 + j}` }] });
    }
  }
  app.synth();
  return join(outdir, 'stacks', 'bench');
}

/** Runs terraform in `dir`, sampling the peak RSS of provider / CLI processes meanwhile. */
function terraform(dir: string, args: string[], env: NodeJS.ProcessEnv, rss: { peakKiB: number }): Promise<{ code: number; ms: number; output: string }> {
  const start = performance.now();
  // VmHWM is a high-water mark: a sample a second loses nothing, and scanning /proc more often
  // would take CPU from what is measured (2 cores).
  const sampler = setInterval(() => sampleRss(rss), 1000);
  return new Promise((done) => {
    const child = spawn(TERRAFORM, [...args, '-input=false', '-no-color'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      clearInterval(sampler);
      done({ code: code ?? -1, ms: performance.now() - start, output });
    });
  });
}

function sampleRss(rss: { peakKiB: number }): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/provider\.cjs|cli\.cjs|terraform-provider-dhcpagent/.test(cmd)) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) rss.peakKiB = Math.max(rss.peakKiB, Number(hwm[1]));
    } catch {
      // exited meanwhile
    }
  }
}

function sshAccepts(node: LabNode): number {
  try {
    return (readFileSync(join(node.dir, 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;
  } catch {
    return 0;
  }
}

async function must<T extends { code: number; output: string }>(what: string, p: Promise<T>, ok = [0]): Promise<T> {
  const r = await p;
  if (!ok.includes(r.code)) throw new Error(`${what} exited ${r.code}:\n${r.output.slice(-4000)}`);
  return r;
}

async function run(lab: Lab, mode: AgentMode, size: Size, runIndex: number, workdir: string): Promise<RunFigures> {
  const node = lab.node(0);
  const env = cdktfEnv(workdir, { DHCP_AGENT_PROVIDER_JS: join(root, 'dist', 'provider.cjs'), DHCP_AGENT_CLI_JS: join(root, 'dist', 'cli.cjs'), TF_IN_AUTOMATION: '1' });
  const base = join(workdir, `${mode}-${size.networks}x${size.ports}-${runIndex}`);
  rmSync(base, { recursive: true, force: true });
  const dir = synthesize(join(base, 'out'), node, mode, size, false);
  const rss = { peakKiB: 0 };
  await must('terraform init', terraform(dir, ['init'], env, rss));

  let ssh = sshAccepts(node);
  const count = () => {
    const now = sshAccepts(node);
    const d = now - ssh;
    ssh = now;
    return d;
  };
  const apply = await must('terraform apply', terraform(dir, ['apply', '-auto-approve'], env, rss));
  const sshApply = count();

  // Leases for a sample of ports: first and last port of the first, a middle and the last network.
  const sample = [...new Set([0, Math.floor(size.networks / 2), size.networks - 1])].flatMap((i) => [...new Set([0, size.ports - 1])].map((j) => [i, j] as const));
  let ok = 0;
  for (const [i, j] of sample) {
    const vm = await lab.addVm({ node: 0, name: `b${i}-${j}`, mac: mac(i, j) });
    const lease = await vm.dhcp({ timeoutMs: 10_000 }).catch(() => null);
    if (lease?.ip === `10.100.${i}.${10 + j}`) ok++;
    await vm.remove();
  }

  let plan: { code: number; ms: number; output: string };
  if (mode === 'provider') {
    plan = await must('terraform plan', terraform(dir, ['plan', '-detailed-exitcode'], env, rss));
  } else {
    const start = performance.now();
    const r = await new Promise<{ code: number; output: string }>((done) => {
      const c = spawn(process.execPath, [join(root, 'dist', 'cli.cjs'), 'drift', '--dir', dir], { env: { ...env, TERRAFORM_BIN: TERRAFORM }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', (code) => done({ code: code ?? -1, output: out }));
    });
    if (r.code !== 0) throw new Error(`dhcp-agent drift exited ${r.code}:\n${r.output}`);
    plan = { ...r, ms: performance.now() - start };
  }
  const sshPlan = count();

  synthesize(join(base, 'out'), node, mode, size, true);
  const add = await must('terraform apply (one more port)', terraform(dir, ['apply', '-auto-approve'], env, rss));
  const sshAdd = count();

  // The port handler's own time on the node: the same handler, called directly on a warm connection.
  const pool = new SshPool();
  const host = pool.get(lab.sshHostConfig(0));
  const nodeMs: number[] = [];
  const roundTrip: number[] = [];
  for (let k = 0; k < 5; k++) {
    // subnetId '': the handler places the address in the subnet the node keeps for network 0.
    const p: agent.PortSpec = {
      networkId: 'be0c0000-0000-4000-8000-000000000000',
      statePath: node.statePath,
      port: { id: `be0c0000-0000-4000-8000-0000000f00${String(k).padStart(2, '0')}`, macAddress: mac(250, k), fixedIps: [{ subnetId: '', ipAddress: `10.100.0.${230 + k}` }], deviceOwner: '', extraDhcpOpts: [] },
    };
    const t = performance.now();
    const st = await agent.applyPort(host, p);
    roundTrip.push(performance.now() - t);
    nodeMs.push(st.nodeMs ?? NaN);
    await agent.deletePort(host, p);
  }
  await pool.closeAll();
  count();

  const destroy = await must('terraform destroy', terraform(dir, ['destroy', '-auto-approve'], env, rss));
  const sshDestroy = count();
  rmSync(base, { recursive: true, force: true });
  return {
    applyS: apply.ms / 1000,
    leasesOk: `${ok}/${sample.length}`,
    planS: plan.ms / 1000,
    planExit: plan.code,
    addPortS: add.ms / 1000,
    addPortNodeMs: median(nodeMs),
    addPortRoundTripMs: median(roundTrip),
    destroyS: destroy.ms / 1000,
    peakRssMiB: rss.peakKiB / 1024,
    ssh: { apply: sshApply, plan: sshPlan, addPort: sshAdd, destroy: sshDestroy },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      sizes: { type: 'string', default: '20x10,50x20' },
      runs: { type: 'string', default: '3' },
      modes: { type: 'string', default: 'provider,provisioner' },
      out: { type: 'string', default: join(root, 'bench-results', 'bench.json') },
    },
  });
  const sizes = values.sizes.split(',').map((s) => {
    const [n, m] = s.split('x').map(Number);
    if (!(n >= 1 && n <= 250 && m >= 1 && m <= 200)) throw new Error(`--sizes: got ${JSON.stringify(s)}; NxM with 1 ≤ N ≤ 250 networks and 1 ≤ M ≤ 200 ports`);
    return { networks: n, ports: m };
  });
  const runs = Number(values.runs);
  const modes = values.modes.split(',') as AgentMode[];
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, terraform: TERRAFORM };
  say(`bench on ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; ${runs} run(s) per size and mode`);
  const workdir = join(root, '.e2e', 'bench');
  const lab = await labUp({ name: LAB });
  const results: { size: Size; mode: AgentMode; runs: RunFigures[] }[] = [];
  try {
    for (const size of sizes) {
      for (const mode of modes) {
        const figures: RunFigures[] = [];
        for (let r = 0; r < runs; r++) {
          say(`${size.networks} networks × ${size.ports} ports, ${mode} mode, run ${r + 1}/${runs} …`);
          const f = await run(lab, mode, size, r, workdir);
          say(`  apply ${f.applyS.toFixed(1)} s (leases ${f.leasesOk}), plan ${f.planS.toFixed(1)} s, add port ${f.addPortS.toFixed(1)} s (node ${f.addPortNodeMs} ms), destroy ${f.destroyS.toFixed(1)} s, peak RSS ${f.peakRssMiB.toFixed(0)} MiB, SSH ${JSON.stringify(f.ssh)}`);
          figures.push(f);
        }
        results.push({ size, mode, runs: figures });
      }
    }
  } finally {
    await labDown(LAB);
    rmSync(workdir, { recursive: true, force: true });
  }
  const rows = results.map(({ size, mode, runs: f }) => ({
    size: `${size.networks}×${size.ports}`,
    mode,
    apply: median(f.map((x) => x.applyS)),
    plan: median(f.map((x) => x.planS)),
    addPort: median(f.map((x) => x.addPortS)),
    addPortNodeMs: median(f.map((x) => x.addPortNodeMs)),
    destroy: median(f.map((x) => x.destroyS)),
    rss: Math.max(...f.map((x) => x.peakRssMiB)),
    ssh: f[0].ssh,
    leases: f.map((x) => x.leasesOk).join(' '),
  }));
  const table = [
    '| stack | mode | first apply | no-op plan / drift check | add 1 port (apply) | port handler on node | destroy | peak RSS | SSH connections (apply/plan/add/destroy) | leases checked |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.size} | ${r.mode} | ${r.apply.toFixed(1)} s | ${r.plan.toFixed(1)} s | ${r.addPort.toFixed(1)} s | ${r.addPortNodeMs.toFixed(0)} ms | ${r.destroy.toFixed(1)} s | ${r.rss.toFixed(0)} MiB | ${r.ssh.apply}/${r.ssh.plan}/${r.ssh.addPort}/${r.ssh.destroy} | ${r.leases} |`),
  ];
  for (const size of sizes) {
    const p = rows.find((r) => r.size === `${size.networks}×${size.ports}` && r.mode === 'provider');
    const q = rows.find((r) => r.size === `${size.networks}×${size.ports}` && r.mode === 'provisioner');
    if (p && q) table.push('', `${size.networks}×${size.ports}: provider mode's first apply is ${(q.apply / p.apply).toFixed(1)}× faster than portable mode's.`);
  }
  say(`\nMedians of ${runs} run(s); terraform apply/plan/destroy on the synthesized stack, parallelism 10.\n`);
  say(table.join('\n'));
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), machine, runsPerCell: runs, results, table: table.join('\n') }, null, 2));
  say(`\nwritten: ${values.out}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
