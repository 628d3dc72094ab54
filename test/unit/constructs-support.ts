/** Shared helpers of the constructs-*.test.ts files: stacks, synthesized JSON, validation errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing, TerraformStack } from 'cdktf';
import { DhcpAgentNode, type DhcpAgentNodeProps } from '../../constructs';
import { ValidationError } from '../../src/model/errors';

/** A fingerprint as `ssh-keygen -lf` prints it (43 base64 characters). */
export const FINGERPRINT = 'SHA256:2pQ6eW8Hc7b2j0Xh0wS5l9kq0m3bWQp7yX1u8m2T4aE';

let outdir: string | undefined;

/**
 * A testing app. Every app makes its output directory at once; these share one, removed at
 * exit (`Testing.synth` writes nothing there).
 */
export function testingApp(): App {
  if (!outdir) {
    const dir = mkdtempSync(join(tmpdir(), 'constructs-test-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    outdir = dir;
  }
  return Testing.app({ outdir });
}

/** A fresh stack named `stack` in a testing app (construct paths are `stack/<id>`). */
export function newStack(): TerraformStack {
  return new TerraformStack(testingApp(), 'stack');
}

/** A node with the smallest valid props, on `host`. */
export function newNode(stack: TerraformStack, id = 'n1', props: Partial<DhcpAgentNodeProps> = {}): DhcpAgentNode {
  return new DhcpAgentNode(stack, id, { host: props.host ?? '192.0.2.10', insecureIgnoreHostKey: true, ...props });
}

/** A synthesized stack without cdktf's `//` metadata. */
export interface Synthesized {
  readonly provider?: Record<string, unknown[]>;
  readonly terraform?: { required_providers?: Record<string, { source: string; version: string }> };
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, unknown>;
}

export function synth(stack: TerraformStack): { text: string; json: Synthesized } {
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as Synthesized };
}

/** The bodies of every resource of `type`, in the order of their (sorted) logical ids. */
export function resourcesOf(json: Synthesized, type: string): Record<string, unknown>[] {
  const all = json.resource[type] ?? {};
  return Object.keys(all)
    .sort()
    .map((k) => all[k]);
}

/** The one resource of `type` whose logical id starts with `prefix`. */
export function resourceNamed(json: Synthesized, type: string, prefix: string): Record<string, unknown> {
  const all = json.resource[type] ?? {};
  const keys = Object.keys(all).filter((k) => k.startsWith(prefix));
  assert.equal(keys.length, 1, `one ${type} named ${prefix}…, found ${Object.keys(all).join(', ') || 'none'}`);
  return all[keys[0]];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface ExpectedIssue {
  /** `dhcp agent node 'n1' (stack/n1)` */
  readonly where: string;
  /** The field, e.g. `port` or `subnets[0].cidr`. */
  readonly path: string;
  /** The value as the message shows it (JSON). */
  readonly got: string;
  /** What is allowed: the exact text, or a pattern the text must match. */
  readonly allowed: string | RegExp;
}

/**
 * Asserts `fn` throws a ValidationError whose message has one line per issue, each
 * `<where>: <path>: got <value>; <allowed>`, with the allowed text starting in lower case
 * (or with a quote or digit), exactly the lines expected, in order.
 */
export function assertRejects(fn: () => unknown, ...expected: ExpectedIssue[]): ValidationError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ValidationError, `expected a ValidationError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  const lines = caught.message.split('\n');
  assert.equal(lines.length, expected.length, `expected ${expected.length} line(s):\n${caught.message}`);
  expected.forEach((e, i) => {
    const head = `${e.where}: ${e.path}: got ${e.got}; `;
    assert.ok(lines[i].startsWith(head), `line ${i} should start with\n  ${head}\nbut is\n  ${lines[i]}`);
    const allowed = lines[i].slice(head.length);
    assert.match(allowed, /^[^A-Z]/, `the allowed text starts in lower case: ${allowed}`);
    if (typeof e.allowed === 'string') assert.equal(allowed, e.allowed);
    else assert.match(allowed, e.allowed);
  });
  assert.equal(caught.issues.length, expected.length);
  return caught;
}

/** A RegExp matching `text` literally (for `allowed` patterns built from fragments). */
export function literally(text: string): RegExp {
  return new RegExp(escape(text));
}
