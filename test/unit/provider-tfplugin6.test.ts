/**
 * The hand-written message types in src/provider/tfplugin6.ts against the .proto they describe:
 * every message, field, enum value and RPC, read with protobufjs from the same .proto the
 * provider serves, and the TypeScript read with the compiler's parser.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as protobuf from 'protobufjs';
import ts from 'typescript';
import { loadProtocol } from '../../src/provider/proto';

const typesFile = join(__dirname, '..', '..', 'src', 'provider', 'tfplugin6.ts');
const SERVICE_INTERFACE = 'ProviderService';

/** `tfplugin6.GetMetadata.Response` → `GetMetadataResponse`. */
function tsName(reflection: protobuf.ReflectionObject): string {
  return reflection.fullName.replace(/^\.tfplugin6\./, '').replaceAll('.', '');
}

function collect(namespace: protobuf.NamespaceBase, types: protobuf.Type[], enums: protobuf.Enum[]): void {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) types.push(nested);
    if (nested instanceof protobuf.Enum) enums.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) collect(nested, types, enums);
  }
}

const NUMBER_SCALARS = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);

/** The TypeScript type a field must have (see the header of tfplugin6.ts). */
function expectedType(field: protobuf.Field): string {
  field.resolve();
  let base: string;
  if (field.resolvedType) base = tsName(field.resolvedType);
  else if (field.type === 'string') base = 'string';
  else if (field.type === 'bool') base = 'boolean';
  else if (field.type === 'bytes') base = 'Uint8Array';
  else if (NUMBER_SCALARS.has(field.type)) base = 'number';
  else throw new Error(`${field.fullName.slice(1)}: no TypeScript mapping for ${field.type}`);
  if (field instanceof protobuf.MapField) return `Record<${field.keyType === 'string' ? 'string' : 'number'}, ${base}>`;
  if (field.repeated) return `${base}[]`;
  return field.resolvedType instanceof protobuf.Type ? `${base} | null` : base;
}

/** Everything in `source` (the text of tfplugin6.ts) that does not match the .proto. */
function mismatches(root: protobuf.Root, source: string): string[] {
  const problems: string[] = [];
  const file = ts.createSourceFile('tfplugin6.ts', source, ts.ScriptTarget.ES2022, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const aliases = new Map<string, ts.TypeAliasDeclaration>();
  const consts = new Map<string, ts.Expression>();
  for (const statement of file.statements) {
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, statement);
    if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement);
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) consts.set(d.name.text, d.initializer);
    }
  }
  const text = (node: ts.Node) => node.getText(file).replace(/\s+/g, ' ');

  const types: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  collect(root.lookup('tfplugin6') as protobuf.Namespace, types, enums);

  for (const message of types) {
    const name = tsName(message);
    // tfplugin6 groups an RPC's Request and Response in a message without fields of its own.
    if (message.fieldsArray.length === 0 && message.nestedArray.length > 0) continue;
    if (message.fieldsArray.length === 0) {
      const alias = aliases.get(name);
      if (!alias || text(alias.type) !== 'Record<string, never>') problems.push(`${message.fullName.slice(1)}: expected type ${name} = Record<string, never>`);
      continue;
    }
    const declaration = interfaces.get(name);
    if (!declaration) {
      problems.push(`${message.fullName.slice(1)}: no interface ${name}`);
      continue;
    }
    const members = new Map<string, ts.PropertySignature>();
    for (const member of declaration.members) {
      if (ts.isPropertySignature(member) && ts.isIdentifier(member.name)) members.set(member.name.text, member);
      else problems.push(`${name}: member ${text(member)} is not a plain property`);
    }
    for (const field of message.fieldsArray) {
      const member = members.get(field.name);
      members.delete(field.name);
      if (!member) {
        problems.push(`${name}: field ${field.name} (${field.type}) is missing`);
        continue;
      }
      if (!member.questionToken) problems.push(`${name}.${field.name}: must be optional (proto3)`);
      const expected = expectedType(field);
      const actual = member.type ? text(member.type) : '(none)';
      if (actual !== expected) problems.push(`${name}.${field.name}: type ${actual}, the .proto says ${expected}`);
    }
    for (const extra of members.keys()) problems.push(`${name}.${extra}: not a field of ${message.fullName.slice(1)}`);
  }

  for (const e of enums) {
    const name = tsName(e);
    const initializer = consts.get(name);
    const object = initializer && ts.isAsExpression(initializer) ? initializer.expression : undefined;
    if (!object || !ts.isObjectLiteralExpression(object) || !aliases.has(name)) {
      problems.push(`${e.fullName.slice(1)}: expected const ${name} = { … } as const and type ${name}`);
      continue;
    }
    const values = Object.fromEntries(
      object.properties.map((p) => [p.name ? text(p.name) : '?', ts.isPropertyAssignment(p) ? Number(text(p.initializer)) : NaN]),
    );
    if (JSON.stringify(values) !== JSON.stringify(e.values)) problems.push(`${name}: ${JSON.stringify(values)}, the .proto says ${JSON.stringify(e.values)}`);
  }

  const known = new Set([...types, ...enums].map(tsName));
  for (const name of interfaces.keys()) {
    if (name !== SERVICE_INTERFACE && !known.has(name)) problems.push(`interface ${name}: no such message in the .proto`);
  }

  const service = root.lookupService('tfplugin6.Provider');
  const rpcs = new Map<string, string>();
  for (const member of interfaces.get(SERVICE_INTERFACE)?.members ?? []) {
    if (ts.isPropertySignature(member) && ts.isIdentifier(member.name) && member.type) rpcs.set(member.name.text, text(member.type));
  }
  for (const method of service.methodsArray) {
    method.resolve();
    const expected = `{ request: ${tsName(method.resolvedRequestType!)}; response: ${tsName(method.resolvedResponseType!)} }`;
    const actual = rpcs.get(method.name);
    rpcs.delete(method.name);
    if (actual !== expected) problems.push(`${SERVICE_INTERFACE}.${method.name}: ${actual ?? 'missing'}, the .proto says ${expected}`);
  }
  for (const extra of rpcs.keys()) problems.push(`${SERVICE_INTERFACE}.${extra}: no such RPC in the .proto`);
  return problems;
}

describe('tfplugin6.ts', () => {
  const root = loadProtocol().root;
  const source = readFileSync(typesFile, 'utf8');

  it('has an interface for every message, with the fields and types of the .proto', () => {
    assert.deepEqual(mismatches(root, source), []);
  });

  it('catches a renamed field, a wrong type, an extra field, a missing message, a changed enum and a wrong RPC', () => {
    const broken = source
      .replace('  summary?: string;', '  summery?: string;')
      .replace('  terraform_version?: string;', '  terraform_version?: number;')
      .replace('  move_resource_state?: boolean;', '  move_resource_state?: boolean;\n  extra?: string;')
      .replace(/export interface RawState \{[^}]*\}/, '')
      .replace('GROUP: 5', 'GROUP: 6')
      .replace('response: StopProviderResponse', 'response: GetMetadataResponse');
    assert.notEqual(broken, source);
    assert.deepEqual(mismatches(root, broken), [
      'Diagnostic: field summary (string) is missing',
      'Diagnostic.summery: not a field of tfplugin6.Diagnostic',
      'tfplugin6.RawState: no interface RawState',
      'ServerCapabilities.extra: not a field of tfplugin6.ServerCapabilities',
      'ConfigureProviderRequest.terraform_version: type number, the .proto says string',
      'SchemaNestedBlockNestingMode: {"INVALID":0,"SINGLE":1,"LIST":2,"SET":3,"MAP":4,"GROUP":6}, the .proto says {"INVALID":0,"SINGLE":1,"LIST":2,"SET":3,"MAP":4,"GROUP":5}',
      'ProviderService.StopProvider: { request: StopProviderRequest; response: GetMetadataResponse }, the .proto says { request: StopProviderRequest; response: StopProviderResponse }',
    ]);
  });
});
