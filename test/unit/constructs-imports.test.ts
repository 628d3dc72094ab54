import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../constructs');

/** Every .ts file under `dir`, absolute. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The construct files a file imports or re-exports, type-only ones included (a type cycle is a cycle too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']*)'/gms)].map((m) => m[1]);
  return specifiers
    .map((s) => resolve(dirname(file), s))
    .map((p) => (p.endsWith('.ts') ? p : readdirSafe(p)))
    .filter((p): p is string => p !== null && p.startsWith(ROOT));
}

function readdirSafe(p: string): string | null {
  try {
    readFileSync(`${p}.ts`);
    return `${p}.ts`;
  } catch {
    try {
      readFileSync(join(p, 'index.ts'));
      return join(p, 'index.ts');
    } catch {
      return null;
    }
  }
}

/** The import cycles among `files`, each as the list of files on it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe('constructs: imports', () => {
  const graph = new Map(sources(ROOT).map((f) => [f, importsOf(f)]));

  it('sees the imports it checks', () => {
    const port = graph.get(join(ROOT, 'dhcp-port.ts')) ?? [];
    assert.ok(port.includes(join(ROOT, 'dhcp-network-base.ts')), 'dhcp-port.ts imports dhcp-network-base.ts');
    assert.ok((graph.get(join(ROOT, 'dhcp-network.ts')) ?? []).includes(join(ROOT, 'dhcp-port.ts')), 'dhcp-network.ts imports dhcp-port.ts');
  });

  it('has no import cycle between construct files, type-only imports included', () => {
    const found = cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(' → '));
    assert.deepEqual(found, []);
  });

  it('finds a cycle when there is one', () => {
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', []]])), [['a', 'b', 'c', 'a']]);
  });
});
