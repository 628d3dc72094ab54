/**
 * Handler and transport errors as Terraform diagnostics: a summary, a detail naming the node,
 * the step and the command's stderr, and for refused input the attribute path.
 */
import { AgentStepError, ExistsError } from '../../agent/errors';
import { importQuery, type NodeConnection } from './connection';
import { PrerequisiteError } from '../../agent/node';
import { HostError } from '../../host/types';
import { MAX_REPORTED_ISSUES, ValidationError, formatIssue, isError, moreIssues } from '../../model/errors';
import { errorDiagnostic, type AttributePath, type Diagnostic, type PathStep } from '../diagnostics';
import type { PathRenames } from '../table';

/**
 * Maps a camelCase spec path (`network.subnets[0].gatewayIp`) to an attribute path. `renames`
 * (from the resource's table, `renamesOf`) maps spec path prefixes to attribute path prefixes,
 * longest first; the rest is snake_cased.
 */
export function attributePathFor(specPath: string, renames: PathRenames): AttributePath {
  for (const [prefix, to] of [...renames].sort((a, b) => b[0].length - a[0].length)) {
    if (specPath === prefix || specPath.startsWith(prefix + '.') || specPath.startsWith(prefix + '[')) {
      return [...to, ...steps(specPath.slice(prefix.length))];
    }
  }
  return steps(specPath);
}

function steps(rest: string): PathStep[] {
  const out: PathStep[] = [];
  for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)) {
    if (m[1] !== undefined) out.push(m[1].replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
    else out.push(Number(m[2]));
  }
  return out;
}

/**
 * How to import the object a create found on the node: the import id for `<network-id>` or
 * `<network-id>/<port-id>` on the connection (no key material: paths only).
 */
export function importHint(c: NodeConnection, path: string): string {
  const query = new URLSearchParams(importQuery(c));
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `terraform import <resource address> '${c.user}@${host}:${c.port}/${path}?${query.toString().replace(/%2F/g, '/').replace(/%7E/g, '~')}'`;
}

/** Diagnostics for an error thrown by a handler; `what` names the operation (`Create of dhcpagent_network`). */
export function diagnosticsFor(what: string, err: unknown, renames: PathRenames = [], importCommand?: string): Diagnostic[] {
  if (isError(err, ExistsError)) {
    return [errorDiagnostic(`${what}: ${err.object} already exists on ${err.node}`, `${err.message}${importCommand ? `:\n  ${importCommand}` : '.'}`)];
  }
  if (isError(err, ValidationError)) {
    const shown = err.issues
      .slice(0, MAX_REPORTED_ISSUES)
      .map((i) => errorDiagnostic(`Invalid ${attributeLabel(attributePathFor(i.path, renames))}`, formatIssue(i), attributePathFor(i.path, renames)));
    if (err.issues.length > MAX_REPORTED_ISSUES) shown.push(errorDiagnostic(`${what}: more invalid input`, moreIssues(err.issues.length)));
    return shown;
  }
  if (isError(err, AgentStepError)) {
    return [
      errorDiagnostic(
        `${what}: step "${err.step}" failed on ${err.node}`,
        `Node: ${err.node}\nObject: ${err.object}\nStep: ${err.step} (exit ${err.exitCode})\n${err.stderr ? `stderr:\n${err.stderr}` : 'stderr was empty'}`,
      ),
    ];
  }
  if (isError(err, PrerequisiteError)) {
    return [errorDiagnostic(`${what}: node ${err.node} lacks what the agent needs`, `Nothing was changed on the node. Missing:\n- ${err.missing.join('\n- ')}`)];
  }
  if (isError(err, HostError)) {
    const summary =
      err.kind === 'host-key' ? `${what}: host key of ${err.host} refused` : err.kind === 'auth' ? `${what}: cannot log in to ${err.host}` : `${what}: cannot reach ${err.host}`;
    // A change cannot reach a dead node; say how to go on without it.
    const detail = err.kind === 'connect' ? `${err.message}\n\nWhile the node is down, nothing on it can be changed. If it is gone for good, see the README, "A node died" (goneForGood).` : err.message;
    return [errorDiagnostic(summary, detail, err.kind === 'host-key' || err.kind === 'auth' || err.kind === 'connect' ? ['node'] : undefined)];
  }
  return [errorDiagnostic(`${what} failed`, err instanceof Error ? err.message : String(err))];
}

function attributeLabel(p: AttributePath): string {
  return p.map((s) => (typeof s === 'number' ? `[${s}]` : typeof s === 'string' ? s : `["${s.key}"]`)).join('.').replace(/\.\[/g, '[') || 'input';
}
