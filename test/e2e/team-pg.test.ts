/**
 * examples/team with its state in a real PostgreSQL (Terraform's pg backend) and two checkouts
 * of the app, as two operators (or an operator and CI) have: concurrent deploys are serialized by
 * the backend's lock; a deploy killed in the middle of its apply, or one that hangs holding the
 * lock, is recovered from with no port lost on the nodes; each operator sees the other's drift.
 * The database password is only in a pgpass file: never in the stack, the state or the output.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockFile } from '../../src/agent/stored-network';
import { labDown, labUnavailableReason, labUp, type Lab } from '../../src/lab';
import { CdktfApp, type CdktfResult } from '../support/cdktf';
import { postgresUnavailableReason, startPostgres, type PgServer } from '../support/postgres';
import { TERRAFORM, terraformUnavailableReason } from '../support/terraform';

const LAB = 'tempg';
const NETS = [
  { id: '3f2a9c1e-5b7d-4e8f-a1c3-6d9e0b2f4a71', prefix: '172.16.30', mac: 'fa:16:3e:30:00' },
  { id: '7c4e1a2b-8d3f-4b6a-9e5c-1f0a2d3b4c82', prefix: '172.16.31', mac: 'fa:16:3e:31:00' },
];
const skip = labUnavailableReason() ?? terraformUnavailableReason() ?? postgresUnavailableReason();

let lab: Lab;
let pg: PgServer;
let alice: CdktfApp;
let bob: CdktfApp;
const outputs: string[] = [];

/** Ports each network has with TEAM_EXTRA_PORTS=extra. */
const portCount = (extra: number) => 2 + extra;
const macOf = (n: (typeof NETS)[number], p: number) => `${n.mac}:${(p + 10).toString(16).padStart(2, '0')}`;

/** The MACs in each network's dnsmasq host file on its node. */
function hostFileMacs(): string[][] {
  return NETS.map((n, i) => {
    const text = readFileSync(`${lab.node(i).statePath}/dhcp/${n.id}/host`, 'utf8');
    return text.split('\n').filter((l) => l !== '').map((l) => l.split(',')[0]).sort();
  });
}

function expectedMacs(extra: number): string[][] {
  return NETS.map((n) => Array.from({ length: portCount(extra) }, (_, p) => macOf(n, p)).sort());
}

/** terraform in a checkout's synthesized stack directory (after a deploy or diff ran init there). */
function terraform(app: CdktfApp, ...args: string[]) {
  const r = spawnSync(TERRAFORM, args, { cwd: app.stackDir('team'), env: app.env, encoding: 'utf8', timeout: 120_000 });
  // eslint-disable-next-line no-control-regex
  const out = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  outputs.push(out);
  return { code: r.status ?? -1, out };
}

interface PulledState {
  readonly serial: number;
  readonly lineage: string;
  readonly resources: { type: string; name: string }[];
}

function statePull(app: CdktfApp): PulledState {
  const r = terraform(app, 'state', 'pull');
  assert.equal(r.code, 0, r.out);
  return JSON.parse(r.out) as PulledState;
}

function record(r: CdktfResult): CdktfResult {
  outputs.push(r.output);
  return r;
}

/** Terraform's error block (from "Error:" on, a few lines), one line. */
const errorBlock = (out: string) => {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => /Error:/.test(l));
  return at < 0 ? '(no error)' : lines.slice(at, at + 12).map((l) => l.replace(/^[\s│╷╵]+/, '').trim()).filter((l) => l !== '').join(' | ');
};

/** Advisory locks held in the cluster (Terraform's pg backend locks with session advisory locks). */
const advisoryLocks = () => Number(pg.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted").trim());

/** Every file under a directory, as text (for the password search). */
function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else if (e.isFile() && !/\.(cjs|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds a network's lock file as another writer would (flock, one process), until released. */
async function holdLock(path: string): Promise<{ release: () => void }> {
  const holder = spawn('flock', ['--no-fork', path, 'sleep', '600'], { stdio: 'ignore' });
  const release = () => holder.kill('SIGKILL');
  for (let i = 0; i < 100; i++) {
    if (spawnSync('flock', ['--nonblock', path, 'true']).status !== 0) return { release };
    await sleep(50);
  }
  release();
  throw new Error(`could not take ${path} within 5 s`);
}

describe('examples/team: state in PostgreSQL, two checkouts, two nodes', { skip, timeout: 400_000 }, () => {
  before(async () => {
    pg = await startPostgres({ role: 'terraform', database: 'tfstate' });
    lab = await labUp({ name: LAB, nodes: 2 });
    const env = { DHCP_AGENT_LAB: LAB, PG_CONN_STR: pg.connStr, PGPASSFILE: pg.passFile };
    alice = new CdktfApp('tempga', 'team', env);
    bob = new CdktfApp('tempgb', 'team', env);
  });
  after(async () => {
    try {
      if (alice) record(alice.run(['destroy', '--auto-approve'], { TEAM_EXTRA_PORTS: '6' }));
    } finally {
      await labDown(LAB);
      await pg?.stop();
      alice?.remove();
      bob?.remove();
    }
  });

  it('two deploys started together from two checkouts: one applies, the other is stopped by the lock', async (t) => {
    const started = performance.now();
    const [a, b] = (await Promise.all([alice.runAsync(['deploy', '--auto-approve']), bob.runAsync(['deploy', '--auto-approve'])])).map(record);
    const wall = performance.now() - started;
    const won = (r: CdktfResult) => /Apply complete! Resources: 8 added, 0 changed, 0 destroyed/.test(r.output);
    assert.equal([a, b].filter(won).length, 1, `exactly one applies:\n--- alice\n${a.output}\n--- bob\n${b.output}`);
    const loser = won(a) ? b : a;
    t.diagnostic(`two cdktf deploy started together: ${wall.toFixed(0)} ms until both ended (winner ${(won(a) ? a : b).ms.toFixed(0)} ms, loser exit ${loser.code} after ${loser.ms.toFixed(0)} ms)`);
    t.diagnostic(`the losing deploy printed: ${errorBlock(loser.output)}`);
    assert.notEqual(loser.code, 0);
    assert.match(loser.output, /Error acquiring the state lock/);
    assert.equal(statePull(bob).resources.length, 8, 'the state holds what the winner applied');
    assert.deepEqual(hostFileMacs(), expectedMacs(0));
    for (const app of [alice, bob]) assert.equal(terraform(app, 'plan', '-detailed-exitcode', '-no-color', '-input=false').code, 0, 'no changes from either checkout');
  });

  it('with -lock-timeout the second deploy waits for the first, then finds nothing to do', async (t) => {
    const env = { TEAM_EXTRA_PORTS: '1', TF_CLI_ARGS_plan: '-lock-timeout=120s', TF_CLI_ARGS_apply: '-lock-timeout=120s' };
    const serialBefore = statePull(alice).serial;
    const started = performance.now();
    const [a, b] = (await Promise.all([alice.runAsync(['deploy', '--auto-approve'], env), bob.runAsync(['deploy', '--auto-approve'], env)])).map(record);
    const wall = performance.now() - started;
    assert.equal(a.code, 0, a.output);
    assert.equal(b.code, 0, b.output);
    const won = (r: CdktfResult) => /Apply complete! Resources: 2 added, 0 changed, 0 destroyed/.test(r.output);
    assert.equal([a, b].filter(won).length, 1, `exactly one applies:\n--- alice\n${a.output}\n--- bob\n${b.output}`);
    const [winner, waiter] = won(a) ? [a, b] : [b, a];
    assert.match(waiter.output, /No changes/);
    t.diagnostic(`two deploys with -lock-timeout=120s: ${wall.toFixed(0)} ms until both ended; winner ${winner.ms.toFixed(0)} ms, waiter ${waiter.ms.toFixed(0)} ms (printed "Acquiring state lock", then "No changes")`);
    const after = statePull(alice);
    t.diagnostic(`state serial ${serialBefore} → ${after.serial}`);
    assert.equal(after.resources.length, 10);
    assert.deepEqual(hostFileMacs(), expectedMacs(1));
  });

  it('a deploy that hangs holding the lock, then is killed mid-apply: force-unlock cannot free a pg lock, ending its session does; the next deploy converges', async (t) => {
    const extra = { TEAM_EXTRA_PORTS: '6' };
    // The apply must still be running when it is frozen: net-b's writers wait on its network lock,
    // held here, while net-a's ports are created (ten ports apply in well under a second).
    const netB = await holdLock(lockFile(lab.node(1).statePath, NETS[1].id));
    const run = alice.start(['deploy', '--auto-approve'], extra);
    try {
      const deadline = Date.now() + 120_000;
      while (!/dhcpagent_port\.net-a[^:]*: Creation complete/.test(run.output()) && Date.now() < deadline) await sleep(50);
      assert.doesNotMatch(run.output(), /dhcpagent_port\.net-b[^:]*: Creation complete/, "net-b's ports wait for its network lock");
      assert.match(run.output(), /dhcpagent_port\.net-a[^:]*: Creation complete/, run.output());
      const frozen = await run.signalTree('SIGSTOP');
      t.diagnostic(`alice's deploy frozen mid-apply (SIGSTOP to its ${frozen} processes) after ${(run.output().match(/Creation complete/g) ?? []).length} creations`);
      assert.ok(advisoryLocks() >= 1, 'the frozen deploy holds an advisory lock');
      const blocked = terraform(bob, 'plan', '-no-color', '-input=false', '-lock-timeout=2s');
      assert.notEqual(blocked.code, 0);
      assert.match(blocked.out, /Error acquiring the state lock/);
      t.diagnostic(`bob meanwhile: ${errorBlock(blocked.out)}`);
      const id = blocked.out.match(/ID:\s+([0-9a-f-]{36})/)?.[1] ?? '';
      const unlock = terraform(bob, 'force-unlock', '-force', id);
      t.diagnostic(`terraform force-unlock -force ${id}: exit ${unlock.code}, "${unlock.out.trim().split('\n')[0]}"; advisory locks still held: ${advisoryLocks()}`);
      assert.ok(advisoryLocks() >= 1, 'force-unlock from another session does not release a pg advisory lock');
      // What frees it: ending the holder's database session (a DBA's pg_terminate_backend, or the process dying).
      const ended = pg.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted");
      t.diagnostic(`pg_terminate_backend on the holder: ${ended.trim()} session(s) ended`);
    } finally {
      await run.signalTree('SIGKILL');
      netB.release();
    }
    const killed = record(await run.result);
    t.diagnostic(`alice's deploy killed (SIGKILL to every process of it) after ${killed.ms.toFixed(0)} ms`);
    for (let i = 0; i < 20 && advisoryLocks() > 0; i++) await sleep(100);
    assert.equal(advisoryLocks(), 0, 'no lock left');
    const next = record(bob.must(['deploy', '--auto-approve'], extra));
    t.diagnostic(`bob's next deploy: ${next.output.match(/Apply complete![^\n]*/)?.[0]} in ${next.ms.toFixed(0)} ms`);
    assert.deepEqual(hostFileMacs(), expectedMacs(6), 'every port on both nodes');
    const vm = await (await lab.addVm({ node: 1, name: 'tempgv1', mac: macOf(NETS[1], 7) })).dhcp({ timeoutMs: 5000 });
    assert.equal(vm.ip, `${NETS[1].prefix}.17`);
  });

  it("a second operator's checkout sees drift made after the first one's deploy in cdktf diff", (t) => {
    // A drift the node's process monitor leaves alone (it respawns a killed dnsmasq, at any
    // moment of its 60 s cycle, which could fall between the damage and the diff's read).
    appendFileSync(`${lab.node(0).statePath}/dhcp/${NETS[0].id}/host`, 'fa:16:3e:30:00:99,intruder,172.16.30.99\n');
    const diff = record(alice.must(['diff'], { TEAM_EXTRA_PORTS: '6' }));
    t.diagnostic(`alice's cdktf diff after bob's deploy and an edited host file on node 1: ${diff.ms.toFixed(0)} ms`);
    assert.match(diff.output, /file host differs from the 8 port\(s\) kept on the node/);
    assert.match(diff.output, /Plan: 0 to add, 1 to change, 0 to destroy/);
  });

  it('puts the database password nowhere: not in the state, the stack, .terraform, or any output', () => {
    const state = terraform(alice, 'state', 'pull').out;
    assert.ok(state.includes('dhcpagent_port'));
    assert.ok(!state.includes(pg.password), 'not in terraform state pull');
    assert.ok(!pg.sql('SELECT data FROM dhcp_agent_team.states', 'tfstate').includes(pg.password), 'not in the stored state');
    for (const app of [alice, bob]) for (const f of allFiles(join(app.dir, 'cdktf.out'))) assert.ok(!readFileSync(f, 'utf8').includes(pg.password), f);
    for (const out of outputs) assert.ok(!out.includes(pg.password), 'not in any output');
  });
});
