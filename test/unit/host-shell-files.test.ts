import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { shq } from '../../src/host/quote';
import { shellFile, shellVars, withoutLeadingComments } from '../../src/host/shell-files';
import { NETWORK_LIB } from '../../src/agent/shell';
import { EXIT_RETRY } from '../../src/agent/script';

describe('shell files', () => {
  it('leave their leading comment lines (directives, notes for readers) to the file; the first other line stays, blank or not', () => {
    assert.equal(withoutLeadingComments('# shellcheck shell=sh\n# note\n\nf() { :; }\n# kept\n'), '\nf() { :; }\n# kept\n');
    assert.equal(withoutLeadingComments('#!/bin/sh\nset -e\n'), 'set -e\n');
    assert.equal(withoutLeadingComments('set -e\n# kept\n'), 'set -e\n# kept\n');
  });

  it('get values from TypeScript as quoted assignments in front, never spliced in', () => {
    const vars = shellVars({ A: "it's $(rm -rf /)", B: 75 });
    assert.equal(vars, `A='it'\\''s $(rm -rf /)'\nB=75\n`);
    assert.equal(execFileSync('sh', ['-c', `${vars}printf '%s|%s' "$A" "$B"`], { encoding: 'utf8' }), "it's $(rm -rf /)|75");
    assert.throws(() => shellVars({ 'A;B': 1 }), /shell variable name "A;B": allowed are upper-case letters, digits and _/);
  });

  it('name a file that is not there in the error', () => {
    assert.throws(() => shellFile('agent/sh/no-such.sh'), /shell file agent\/sh\/no-such\.sh not found at .*src\/agent\/sh\/no-such\.sh/);
  });

  it('hand the network library the exit code TypeScript retries on (one definition: script.ts)', () => {
    assert.ok(NETWORK_LIB.startsWith(`EXIT_RETRY=${EXIT_RETRY}\n`), NETWORK_LIB.slice(0, 40));
    assert.match(NETWORK_LIB, /exit "\$EXIT_RETRY"/);
    assert.doesNotMatch(NETWORK_LIB, /exit 75/);
    // A writer that rendered against serial 3 where the node has none: the node says "render again".
    const dir = mkdtempSync(join(tmpdir(), 'dhcp-agent-lib-'));
    try {
      const r = spawnSync('sh', ['-c', `set -eu\nNET_ID=n DIR=${shq(dir)}\n${NETWORK_LIB}\ncheck_serial serial 3\necho not reached`], { encoding: 'utf8' });
      assert.equal(r.status, EXIT_RETRY, r.stderr);
      assert.equal(r.stdout, 'serial=0\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
