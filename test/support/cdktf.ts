/**
 * Runs an example cdktf app for real (cdktf-cli, terraform, the dhcpagent provider) from a
 * copy under <repo>/.e2e/<name>/, so that tests never leave state or cdktf.out in examples/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cdktfEnv } from '../../scripts/cdktf-env';
import { processTable } from '../../src/lab/container';
import { repoRoot } from './terraform';

export interface CdktfResult {
  readonly code: number;
  readonly output: string;
  readonly ms: number;
}

export class CdktfApp {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  /** The CLI: cdktf-cli's `cdktf`, or CDK Terrain's `cdktn` (cdktn-cli). */
  readonly cli: string;

  /**
   * Copies examples/<example> (and examples/lab-node.ts) to .e2e/<name>/<example>. Its tsconfig
   * maps `cdktf-dhcp-agent` to the sources, or, with `opts.paths`, as given (relative to the
   * repository).
   */
  constructor(readonly name: string, example: string, env: NodeJS.ProcessEnv = {}, opts: { cli?: 'cdktf' | 'cdktn'; paths?: Record<string, string> } = {}) {
    const base = join(repoRoot, '.e2e', name);
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    this.dir = join(base, example);
    this.cli = join(repoRoot, 'node_modules', '.bin', opts.cli ?? 'cdktf');
    cpSync(join(repoRoot, 'examples', example), this.dir, { recursive: true, filter: (src) => !/cdktf\.out|\.tfstate/.test(src) });
    cpSync(join(repoRoot, 'examples', 'lab-node.ts'), join(base, 'lab-node.ts'));
    const paths = Object.fromEntries(Object.entries(opts.paths ?? { 'cdktf-dhcp-agent': 'index.ts' }).map(([k, v]) => [k, [relative(this.dir, join(repoRoot, v))]]));
    writeFileSync(
      join(this.dir, 'tsconfig.json'),
      // With its own paths an example brings its own node lookup (lab-node.ts is typed against cdktf).
      JSON.stringify({ extends: relative(this.dir, join(repoRoot, 'tsconfig.json')), compilerOptions: { paths }, include: opts.paths ? ['*.ts'] : ['*.ts', '../lab-node.ts'], exclude: [] }, null, 2),
    );
    this.env = cdktfEnv(base, { ...env, DHCP_AGENT_PROVIDER_JS: join(repoRoot, 'dist', 'provider.cjs'), DHCP_AGENT_CLI_JS: join(repoRoot, 'dist', 'cli.cjs') });
  }

  run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): CdktfResult {
    const start = performance.now();
    const r = spawnSync(this.cli, args, {
      cwd: this.dir,
      env: { ...this.env, ...extraEnv },
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    // eslint-disable-next-line no-control-regex
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
    return { code: r.status ?? -1, output, ms: performance.now() - start };
  }

  /** Like run, without blocking the event loop (for tests that watch the node meanwhile). */
  runAsync(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CdktfResult> {
    return this.start(args, extraEnv).result;
  }

  /**
   * Starts cdktf; `output()` is what it printed so far. `signalTree` signals cdktf and every
   * process below it, by pid (terraform runs in a pseudo-terminal of its own, so a process
   * group would miss it): what an operator's machine or CI job dying, or hanging, does.
   */
  start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; result: Promise<CdktfResult>; signalTree: (signal: NodeJS.Signals) => Promise<number> } {
    const start = performance.now();
    const child = spawn(this.cli, args, { cwd: this.dir, env: { ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // eslint-disable-next-line no-control-regex
    const clean = () => output.replace(/\x1b\[[0-9;]*m/g, '');
    const result = new Promise<CdktfResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, output: clean(), ms: performance.now() - start }));
    });
    const signalTree = async (signal: NodeJS.Signals) => {
      const table = await processTable();
      const tree = [child.pid!];
      for (let i = 0; i < tree.length; i++) for (const p of table) if (p.ppid === tree[i]) tree.push(p.pid);
      for (const pid of tree) {
        try {
          process.kill(pid, signal);
        } catch {
          // gone meanwhile
        }
      }
      return tree.length;
    };
    return { child, output: clean, result, signalTree };
  }

  must(args: string[], extraEnv: NodeJS.ProcessEnv = {}): CdktfResult {
    const r = this.run(args, extraEnv);
    if (r.code !== 0) throw new Error(`${this.cli} ${args.join(' ')} exited ${r.code}:\n${r.output}`);
    return r;
  }

  /** The synthesized stack directory (Terraform's working directory). */
  stackDir(stack: string): string {
    return join(this.dir, 'cdktf.out', 'stacks', stack);
  }

  remove(): void {
    rmSync(join(repoRoot, '.e2e', this.name), { recursive: true, force: true });
  }
}
