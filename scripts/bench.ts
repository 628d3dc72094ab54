/**
 * `npm run bench`: the provider against Terraform's own floor, on one lab node of this machine.
 * For each size N networks × M ports and each variant (this build's provider, `--compare`d
 * bundles, with `--modes` the ports inline (`inline`: one resource per network) and portable
 * mode), `--runs` times: synthesize the stack with the
 * constructs, then with terraform on the synthesized stack (cdktf's own CLI is left out):
 *   apply (first deploy, verified by leases on a sample of ports) · a no-op plan with refresh
 *   (portable mode: `dhcp-agent drift`) · adding one port (and the port handler's own time on
 *   the node) · destroy (or, with `--skip-destroy`, the lab made again);
 * and the same commands on as many `terraform_data` resources as the stack has (the floor; for
 * inline stacks, as many as their node and networks). Each command's wall
 * time and CPU-seconds of terraform, the provider and the node (bench-cpu.ts: cgroups) are
 * printed next to the floor's, with the ratios, and written as JSON with the machine.
 *
 *   npm run bench -- [--sizes 10x20,50x20] [--runs 3] [--modes provider,inline,provisioner]
 *     [--compare before=/path/to/provider.cjs] [--skip-destroy] [--lab bench] [--out bench-results/bench.json]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { DhcpAgentNode, DhcpNetwork, DhcpPort, type AgentMode } from '../index';
import * as agent from '../src/agent';
import { SshPool } from '../src/host';
import { labDown, labUp, type Lab, type LabNode } from '../src/lab';
import { cdktfEnv } from './cdktf-env';
import { CpuAccounting, spent, type Side } from './bench-cpu';

const root = resolve(__dirname, '..');
const TERRAFORM = process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform';
let LAB = 'bench';

interface Size {
  readonly networks: number;
  readonly ports: number;
}

/** One Terraform command: wall seconds and CPU-seconds per side. */
interface Op {
  readonly s: number;
  readonly cpu: Record<Side, number>;
}

interface RunFigures {
  apply: Op;
  leasesOk: string;
  plan: Op;
  planExit: number;
  addPort: Op;
  addPortNodeMs: number;
  addPortRoundTripMs: number;
  destroy: Op;
  peakRssMiB: number;
  ssh: { apply: number; plan: number; addPort: number; destroy: number };
  /** Whether a provider process had ssh2's native cipher addon loaded. */
  nativeCrypto: boolean;
}

/** What is measured: the provider (a bundle), with the ports inline or not, portable mode, or Terraform's floor (as many terraform_data). */
interface Variant {
  readonly label: string;
  readonly mode: AgentMode | 'floor';
  readonly providerJs?: string;
  /** The networks hold their ports (`portsInline`): one resource per network. */
  readonly inline?: boolean;
}

/** The resources of a stack: the node, the networks, and the ports unless they are inline. */
function resourceCount(size: Size, inline: boolean): number {
  return 1 + size.networks + (inline ? 0 : size.networks * size.ports);
}

const say = (s: string) => process.stdout.write(`${s}\n`);

function mac(i: number, j: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `fa:16:3e:${h(i)}:${h(j >> 8)}:${h(j & 255)}`;
}

/** The bench stack: `networks` networks of `ports` ports on one node (one more port on network 0 with `extra`). */
function synthesize(outdir: string, node: LabNode, mode: AgentMode, size: Size, extra: boolean, portsInline: boolean): string {
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
      portsInline,
    });
    const count = size.ports + (extra && i === 0 ? 1 : 0);
    for (let j = 0; j < count; j++) {
      new DhcpPort(stack, `net${i}-p${j}`, { network: net, macAddress: mac(i, j), fixedIps: [{ ipAddress: `10.100.${i}.${10 + j}` }] });
    }
  }
  app.synth();
  return join(outdir, 'stacks', 'bench');
}

/** Runs terraform in `dir` (in its CPU group), sampling the peak RSS of provider / CLI processes meanwhile. */
function terraform(dir: string, args: string[], env: NodeJS.ProcessEnv, rss: Sampled): Promise<{ code: number; ms: number; output: string; cpu: Record<Side, number> }> {
  const start = performance.now();
  const before = cpu?.read();
  // VmHWM is a high-water mark: a sample a second loses nothing, and scanning /proc more often
  // would take CPU from what is measured (2 cores).
  const sampler = setInterval(() => sampleRss(rss), 1000);
  const enter = cpu ? `echo $$ > '${cpu.procs('terraform')}'; ` : '';
  return new Promise((done) => {
    const child = spawn('/bin/sh', ['-c', `${enter}exec "$0" "$@"`, TERRAFORM, ...args, '-input=false', '-no-color'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      clearInterval(sampler);
      const used = before && cpu ? spent(before, cpu.read()) : { terraform: NaN, provider: NaN, node: NaN };
      done({ code: code ?? -1, ms: performance.now() - start, output, cpu: used });
    });
  });
}

interface Sampled {
  peakKiB: number;
  nativeCrypto: boolean;
}

function sampleRss(rss: Sampled): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (Number(pid) === process.pid || !/provider\.cjs|cli\.cjs|terraform-provider-dhcpagent/.test(cmd)) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) rss.peakKiB = Math.max(rss.peakKiB, Number(hwm[1]));
      if (!rss.nativeCrypto && /provider\.cjs/.test(cmd) && readFileSync(`/proc/${pid}/maps`, 'utf8').includes('sshcrypto.node')) rss.nativeCrypto = true;
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

/** CPU groups of this bench (null where cgroups cannot be made: CPU columns then say n/a). */
let cpu: CpuAccounting | null = null;
/** `--skip-destroy`: the lab is made again instead (a destroy of 1,000 ports takes minutes). */
let skipDestroy = false;

const op = (r: { ms: number; cpu: Record<Side, number> }): Op => ({ s: r.ms / 1000, cpu: r.cpu });

async function run(lab: Lab, variant: Variant, size: Size, runIndex: number, workdir: string): Promise<RunFigures> {
  const mode = variant.mode as AgentMode;
  const node = lab.node(0);
  const env = cdktfEnv(workdir, {
    DHCP_AGENT_PROVIDER_JS: variant.providerJs ?? join(root, 'dist', 'provider.cjs'),
    DHCP_AGENT_CLI_JS: join(root, 'dist', 'cli.cjs'),
    TF_IN_AUTOMATION: '1',
    ...(cpu ? { DHCP_AGENT_NODE: cpu.providerNode(workdir) } : {}),
  });
  const base = join(workdir, `${variant.label}-${size.networks}x${size.ports}-${runIndex}`);
  rmSync(base, { recursive: true, force: true });
  const dir = synthesize(join(base, 'out'), node, mode, size, false, variant.inline === true);
  const rss: Sampled = { peakKiB: 0, nativeCrypto: false };
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

  let plan: { code: number; ms: number; output: string; cpu: Record<Side, number> };
  if (mode === 'provider') {
    plan = await must('terraform plan', terraform(dir, ['plan', '-detailed-exitcode'], env, rss));
  } else {
    const start = performance.now();
    const before = cpu?.read();
    const r = await new Promise<{ code: number; output: string }>((done) => {
      const c = spawn(process.execPath, [join(root, 'dist', 'cli.cjs'), 'drift', '--dir', dir], { env: { ...env, TERRAFORM_BIN: TERRAFORM }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', (code) => done({ code: code ?? -1, output: out }));
    });
    if (r.code !== 0) throw new Error(`dhcp-agent drift exited ${r.code}:\n${r.output}`);
    plan = { ...r, ms: performance.now() - start, cpu: before && cpu ? spent(before, cpu.read()) : { terraform: NaN, provider: NaN, node: NaN } };
  }
  const sshPlan = count();

  synthesize(join(base, 'out'), node, mode, size, true, variant.inline === true);
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

  const destroy = skipDestroy ? { ms: NaN, cpu: { terraform: NaN, provider: NaN, node: NaN } } : await must('terraform destroy', terraform(dir, ['destroy', '-auto-approve'], env, rss));
  const sshDestroy = count();
  rmSync(base, { recursive: true, force: true });
  return {
    apply: op(apply),
    leasesOk: `${ok}/${sample.length}`,
    plan: op(plan),
    planExit: plan.code,
    addPort: op(add),
    addPortNodeMs: median(nodeMs),
    addPortRoundTripMs: median(roundTrip),
    destroy: op(destroy),
    peakRssMiB: rss.peakKiB / 1024,
    ssh: { apply: sshApply, plan: sshPlan, addPort: sshAdd, destroy: sshDestroy },
    nativeCrypto: rss.nativeCrypto,
  };
}

/** Terraform's floor: as many `terraform_data` resources as the stack has (node, networks, ports unless inline), the same four commands. */
async function floor(size: Size, inline: boolean, runIndex: number, workdir: string): Promise<RunFigures> {
  const dir = join(workdir, `floor-${size.networks}x${size.ports}-${inline ? 'inline-' : ''}${runIndex}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const count = resourceCount(size, inline);
  const write = (n: number) => writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ resource: { terraform_data: { r: { count: n, input: '${count.index}' } } } }));
  const env = cdktfEnv(workdir, { TF_IN_AUTOMATION: '1' });
  const rss: Sampled = { peakKiB: 0, nativeCrypto: false };
  write(count);
  await must('terraform init (floor)', terraform(dir, ['init'], env, rss));
  const apply = await must('terraform apply (floor)', terraform(dir, ['apply', '-auto-approve'], env, rss));
  const plan = await must('terraform plan (floor)', terraform(dir, ['plan', '-detailed-exitcode'], env, rss));
  write(count + 1);
  const add = await must('terraform apply (floor, one more)', terraform(dir, ['apply', '-auto-approve'], env, rss));
  const destroy = skipDestroy ? { ms: NaN, cpu: { terraform: NaN, provider: NaN, node: NaN } } : await must('terraform destroy (floor)', terraform(dir, ['destroy', '-auto-approve'], env, rss));
  rmSync(dir, { recursive: true, force: true });
  const none = { apply: 0, plan: 0, addPort: 0, destroy: 0 };
  return { apply: op(apply), leasesOk: '-', plan: op(plan), planExit: plan.code, addPort: op(add), addPortNodeMs: NaN, addPortRoundTripMs: NaN, destroy: op(destroy), peakRssMiB: NaN, ssh: none, nativeCrypto: false };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

const OPS = [
  ['apply', 'first apply'],
  ['plan', 'no-op plan'],
  ['addPort', 'add 1 port'],
  ['destroy', 'destroy'],
] as const;

function medianOp(ops: Op[]): Op {
  const m = (f: (o: Op) => number) => median(ops.map(f));
  return { s: m((o) => o.s), cpu: { terraform: m((o) => o.cpu.terraform), provider: m((o) => o.cpu.provider), node: m((o) => o.cpu.node) } };
}

const cpuTotal = (o: Op) => o.cpu.terraform + o.cpu.provider + o.cpu.node;
const secs = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      sizes: { type: 'string', default: '10x20,50x20' },
      runs: { type: 'string', default: '3' },
      modes: { type: 'string', default: 'provider' },
      // Another provider bundle to measure beside this one, as label=path (e.g. an older build).
      compare: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join(root, 'bench-results', 'bench.json') },
      lab: { type: 'string', default: LAB },
      'skip-destroy': { type: 'boolean', default: false },
    },
  });
  LAB = values.lab;
  skipDestroy = values['skip-destroy'];
  const sizes = values.sizes.split(',').map((s) => {
    const [n, m] = s.split('x').map(Number);
    if (!(n >= 1 && n <= 250 && m >= 1 && m <= 200)) throw new Error(`--sizes: got ${JSON.stringify(s)}; NxM with 1 ≤ N ≤ 250 networks and 1 ≤ M ≤ 200 ports`);
    return { networks: n, ports: m };
  });
  const runs = Number(values.runs);
  const variants: Variant[] = [
    ...values.compare.map((c): Variant => {
      const eq = c.indexOf('=');
      if (eq < 1) throw new Error(`--compare: got ${JSON.stringify(c)}; label=path of a provider bundle`);
      return { label: c.slice(0, eq), mode: 'provider', providerJs: resolve(c.slice(eq + 1)) };
    }),
    ...values.modes.split(',').map((m): Variant => (m === 'inline' ? { label: m, mode: 'provider', inline: true } : { label: m, mode: m as AgentMode })),
  ];
  // A floor for each resource count measured: as many resources as the separate stack, and as the inline one.
  if (variants.some((v) => !v.inline)) variants.push({ label: 'floor', mode: 'floor' });
  if (variants.some((v) => v.inline)) variants.push({ label: 'floor-inline', mode: 'floor', inline: true });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, terraform: TERRAFORM, loadAverage: loadavg() };
  say(`bench on ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${runs} run(s) per size and variant`);
  // One directory per lab: two benches on one machine keep apart.
  const workdir = join(root, '.e2e', `bench-${LAB}`);
  const accounting = CpuAccounting.create(`dhcp-agent-${LAB}`);
  if (typeof accounting === 'string') say(accounting);
  else cpu = accounting;
  const up = async () => {
    const l = await labUp({ name: LAB });
    if (cpu) cpu.join('node', Number(readFileSync(join(l.node(0).dir, 'sshd.pid'), 'utf8').trim()));
    return l;
  };
  let lab = await up();
  const results: { size: Size; variant: Variant; runs: RunFigures[] }[] = [];
  try {
    for (const size of sizes) {
      for (const variant of variants) {
        const figures: RunFigures[] = [];
        for (let r = 0; r < runs; r++) {
          say(`${size.networks} networks × ${size.ports} ports, ${variant.label}, run ${r + 1}/${runs} …`);
          const f = variant.mode === 'floor' ? await floor(size, variant.inline === true, r, workdir) : await run(lab, variant, size, r, workdir);
          say(`  ${OPS.map(([k, name]) => `${name} ${f[k].s.toFixed(1)} s (CPU ${secs(f[k].cpu.terraform)}/${secs(f[k].cpu.provider)}/${secs(f[k].cpu.node)})`).join(', ')}; leases ${f.leasesOk}; ssh2 native crypto ${f.nativeCrypto ? 'loaded' : 'not seen'}`);
          figures.push(f);
          if (skipDestroy && variant.mode !== 'floor') {
            await labDown(LAB);
            lab = await up();
          }
        }
        results.push({ size, variant, runs: figures });
      }
    }
  } finally {
    await labDown(LAB);
    cpu?.remove();
    rmSync(workdir, { recursive: true, force: true });
  }
  const table = [
    '| stack | resources | variant | command | wall | CPU-s terraform / provider / node | CPU-s total | floor wall | floor CPU-s | × floor (wall) | × floor (CPU) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const size of sizes) {
    for (const { variant, runs: f } of results.filter((r) => r.size === size && r.variant.mode !== 'floor')) {
      const inline = variant.inline === true;
      const resources = resourceCount(size, inline);
      const fl = results.find((r) => r.size === size && r.variant.mode === 'floor' && (r.variant.inline === true) === inline)!;
      for (const [k, name] of OPS) {
        const o = medianOp(f.map((x) => x[k]));
        const base = medianOp(fl.runs.map((x) => x[k]));
        table.push(
          `| ${size.networks}×${size.ports} | ${resources} | ${variant.label} | ${name} | ${o.s.toFixed(1)} s | ${secs(o.cpu.terraform)} / ${secs(o.cpu.provider)} / ${secs(o.cpu.node)} | ${secs(cpuTotal(o))} | ${base.s.toFixed(1)} s | ${secs(cpuTotal(base))} | ${(o.s / base.s).toFixed(1)} | ${(cpuTotal(o) / cpuTotal(base)).toFixed(1)} |`,
        );
      }
    }
  }
  say(`\nMedians of ${runs} run(s); terraform apply/plan/destroy on the synthesized stack, parallelism 10; the floor is as many terraform_data resources.\n`);
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
