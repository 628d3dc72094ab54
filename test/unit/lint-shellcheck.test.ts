import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const repo = resolve(__dirname, '..', '..');
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const skip = hasShellcheck ? false : 'needs shellcheck (Debian package shellcheck; scripts/install-system-deps.sh installs it)';

/** `bash scripts/lint.sh shellcheck FILE...`: the lint step for node-side shell, on the given files. */
function lintShell(files: readonly string[]) {
  return spawnSync('bash', [join(repo, 'scripts', 'lint.sh'), 'shellcheck', ...files], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
}

describe('npm run lint: shellcheck on node-side shell', { skip }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dhcp-agent-lint-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on a deliberately broken script, naming the file and what is wrong', () => {
    const broken = join(dir, 'broken.sh');
    // A bashism nodes' /bin/sh (dash) lacks, and a word split of a path that may hold spaces.
    writeFileSync(broken, '# shellcheck shell=sh\nif [[ -n "$1" ]]; then rm -f $1; fi\n');
    const r = lintShell([broken]);
    assert.notEqual(r.status, 0, `shellcheck passed a broken script:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /broken\.sh:2:\d+: \w+: In POSIX sh, \[\[ \]\] is undefined\. \[SC3010\]/);
    assert.match(r.stdout, /broken\.sh:2:\d+: .*\[SC2086\]/);
  });

  it('passes on every node-side .sh file', () => {
    const list = spawnSync(process.execPath, [join(repo, 'scripts', 'shell-files.mjs'), 'list'], { cwd: repo, encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const files = list.stdout.split('\n').filter(Boolean);
    assert.ok(files.includes('src/agent/sh/network-lib.sh') && files.includes('src/agent/sh/monitor.sh'), files.join(' '));
    const r = lintShell(files);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('passes on the scripts nodes get (setup.sh, monitor.sh, the handlers\' scripts) rendered from representative specs', () => {
    const out = join(dir, 'rendered');
    const render = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'render-node-shell.ts'), out], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
    assert.equal(render.status, 0, render.stderr);
    const files = ['setup-bridged.sh', 'setup-vlan.sh', 'setup-v6.sh', 'monitor.sh', 'node-systemd-1.sh', 'network-2.sh', 'port-2.sh'].map((f) => join(out, f));
    // The same exclusion as scripts/lint.sh for rendered headers (SC2100: BRIDGE=br-lab is a name).
    const r = lintShell(['--exclude=SC2100', ...files]);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
