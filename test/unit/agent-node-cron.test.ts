/**
 * The @reboot crontab line of the process monitor (nodes with cron but no systemd): installed
 * and removed without touching root's other lines, and never written when root's crontab could
 * not be read. Runs the generated shell against a stand-in `crontab` that keeps its table in a
 * file (the shell's logic is what is tested; no cron daemon is involved).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cronInstall, cronRemove } from '../../src/agent/node';

const dir = mkdtempSync(join(tmpdir(), 'dhcp-agent-cron-'));
const table = join(dir, 'table');
writeFileSync(
  join(dir, 'crontab'),
  `#!/bin/sh
case "$1" in
  -l) if [ -n "\${CRONTAB_FAIL:-}" ]; then echo "crontab: cannot open /var/spool/cron: Permission denied" >&2; exit 1; fi
      if [ -e "${table}" ]; then cat "${table}"; else echo "no crontab for root" >&2; exit 1; fi ;;
  -) cat > "${table}" ;;
esac
`,
);
chmodSync(join(dir, 'crontab'), 0o755);

function run(script: string, env: Record<string, string> = {}) {
  const r = spawnSync('sh', ['-c', `set -eu\nPATH=${dir}:$PATH\n${script}`], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stderr: r.stderr };
}

describe('the monitor’s @reboot crontab line', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const line = /^@reboot \/bin\/sh \/var\/lib\/x\/monitor\.sh start # dhcp-agent-monitor dhcp-agent-monitor-\w+\.service$/;

  it('is added to an empty crontab, once however often it is installed', () => {
    rmSync(table, { force: true });
    assert.equal(run(cronInstall('/var/lib/x')).code, 0);
    assert.equal(run(cronInstall('/var/lib/x')).code, 0);
    const lines = readFileSync(table, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], line);
  });

  it('keeps root’s other lines, and removal takes only its own', () => {
    writeFileSync(table, 'MAILTO=ops\n0 3 * * * /usr/local/bin/backup\n');
    assert.equal(run(cronInstall('/var/lib/x')).code, 0);
    const lines = readFileSync(table, 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['MAILTO=ops', '0 3 * * * /usr/local/bin/backup']);
    assert.match(lines[2], line);
    assert.equal(run(cronRemove('/var/lib/x')).code, 0);
    assert.equal(readFileSync(table, 'utf8'), 'MAILTO=ops\n0 3 * * * /usr/local/bin/backup\n');
  });

  it('changes nothing and fails, saying why, when root’s crontab cannot be read', () => {
    writeFileSync(table, '0 3 * * * /usr/local/bin/backup\n');
    const r = run(cronInstall('/var/lib/x'), { CRONTAB_FAIL: '1' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot read root's crontab, so it is left as it is: crontab: cannot open \/var\/spool\/cron: Permission denied/);
    assert.equal(readFileSync(table, 'utf8'), '0 3 * * * /usr/local/bin/backup\n');
    assert.notEqual(run(cronRemove('/var/lib/x'), { CRONTAB_FAIL: '1' }).code, 0);
    assert.ok(existsSync(table));
    assert.equal(readFileSync(table, 'utf8'), '0 3 * * * /usr/local/bin/backup\n');
  });
});
