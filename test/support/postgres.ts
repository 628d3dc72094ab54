/**
 * A real PostgreSQL server for tests that keep Terraform state in the `pg` backend: a cluster of
 * its own (initdb into a fresh temporary directory, run as the Debian user `postgres`) listening
 * on 127.0.0.1 on a free port, with password (SCRAM) authentication for one role. The password is
 * only in a pgpass file; the connection string carries none. Stopped by pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_USER = 'postgres';

/** The newest PostgreSQL server binaries installed by Debian's `postgresql` package. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^[0-9]+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}

/** Why a PostgreSQL server cannot be started here, or undefined. */
export function postgresUnavailableReason(): string | undefined {
  if (!postgresBinDir()) return 'PostgreSQL server binaries not found under /usr/lib/postgresql (Debian package postgresql; scripts/install-system-deps.sh installs it)';
  try {
    execFileSync('id', ['-u', PG_USER], { stdio: 'ignore' });
  } catch {
    return `no user ${PG_USER} (made by the Debian package postgresql)`;
  }
  if (process.getuid?.() !== 0) return 'starting PostgreSQL as user postgres needs root';
  return undefined;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface PgServer {
  readonly pid: number;
  readonly port: number;
  /** PG_CONN_STR for Terraform's pg backend: role, host, port, database; no password. */
  readonly connStr: string;
  /** A pgpass file (mode 0600) holding the role's password: give it as PGPASSFILE. */
  readonly passFile: string;
  /** The role's password (only to assert that it appears nowhere). */
  readonly password: string;
  /** Runs SQL as the superuser over the cluster's Unix socket; returns psql's unaligned output. */
  sql(query: string, database?: string): string;
  stop(): Promise<void>;
}

function postgresIds(): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8' })) };
}

function runAsPostgres(bin: string, args: string[]): string {
  return execFileSync(bin, args, { ...postgresIds(), cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts a cluster with role `role` (password from randomBytes), owner of database `database`.
 * The caller must call stop(), also on failure.
 */
export async function startPostgres(opts: { role: string; database: string }): Promise<PgServer> {
  const bin = postgresBinDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'dhcp-agent-pg-'));
  const data = join(dir, 'data');
  const ids = postgresIds();
  chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, 0o700);
  runAsPostgres(join(bin, 'initdb'), ['-D', data, '-U', PG_USER, '--auth-local=peer', '--auth-host=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freeLoopbackPort();
  // Spawned as user postgres directly (no runuser in between): child.pid is the postmaster's.
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off', '-c', 'logging_collector=off'],
    { ...ids, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d));
  const sql = (query: string, database = 'postgres') => runAsPostgres(join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', PG_USER, '-d', database, '-v', 'ON_ERROR_STOP=1', '-XAtq', '-c', query]);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      // SIGINT: PostgreSQL's "fast" shutdown (ends sessions, does not wait for them).
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        runAsPostgres(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
        break;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}:\n${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const password = randomBytes(18).toString('base64url');
    // Role and database names are the caller's literals ([a-z_]+, checked); the password is base64url.
    if (!/^[a-z_]+$/.test(opts.role) || !/^[a-z_]+$/.test(opts.database)) throw new RangeError('role and database: [a-z_]+ allowed');
    sql(`CREATE ROLE ${opts.role} LOGIN PASSWORD '${password}'`);
    sql(`CREATE DATABASE ${opts.database} OWNER ${opts.role}`);
    const passFile = join(tmpdir(), `dhcp-agent-pgpass-${port}`);
    writeFileSync(passFile, `127.0.0.1:${port}:${opts.database}:${opts.role}:${password}\n`, { mode: 0o600 });
    return {
      pid: child.pid!,
      port,
      connStr: `postgres://${opts.role}@127.0.0.1:${port}/${opts.database}?sslmode=disable`,
      passFile,
      password,
      sql,
      stop: async () => {
        rmSync(passFile, { force: true });
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
