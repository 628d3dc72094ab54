/**
 * ARCHITECTURE.md stays true: every repository path it names exists, and every "`symbol` in
 * `file`" it states is a symbol that file defines.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '../..');
const ROOTS = /^(src|constructs|scripts|test|docs)\//;

/** Backticked repository paths (`src/…`, `constructs/…`), placeholders such as `<port>` left out. */
export function namedPaths(markdown: string): string[] {
  const paths = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]);
  return [...new Set(paths.filter((p) => ROOTS.test(p) && !p.includes('<')))];
}

/** "`symbol` in `file`" claims. */
export function namedSymbols(markdown: string): { symbol: string; file: string }[] {
  return [...markdown.matchAll(/`([A-Za-z_][\w]*)`\s+in\s+`([^`\s]+\.(?:ts|sh))`/g)]
    .map((m) => ({ symbol: m[1], file: m[2] }))
    .filter((c) => ROOTS.test(c.file));
}

function problems(markdown: string, base: string): string[] {
  const out: string[] = [];
  for (const p of namedPaths(markdown)) if (!existsSync(join(base, p))) out.push(`${p} does not exist`);
  for (const { symbol, file } of namedSymbols(markdown)) {
    const path = join(base, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const defined = new RegExp(`(?:function|const|class|interface|type|let)\\s+${symbol}\\b|^${symbol}\\(\\)\\s*\\{`, 'm');
    if (!defined.test(text)) out.push(`${file} defines no ${symbol}`);
  }
  return out;
}

describe('ARCHITECTURE.md', () => {
  const doc = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');

  it('names only paths and symbols that exist', () => {
    assert.ok(namedPaths(doc).length > 30, 'the map names the files it talks about');
    assert.ok(namedSymbols(doc).length > 5, 'and the functions');
    assert.deepEqual(problems(doc, root), []);
  });

  it('notices a moved file and a renamed function', () => {
    const moved = doc.replace('`src/dnsmasq/leases.ts`', '`src/dnsmasq/lease-file.ts`');
    assert.deepEqual(problems(moved, root), ['src/dnsmasq/lease-file.ts does not exist']);
    const renamed = doc.replace('`renderArgv` in', '`renderCommandLine` in');
    assert.deepEqual(problems(renamed, root), ['src/dnsmasq/argv.ts defines no renderCommandLine']);
  });
});
