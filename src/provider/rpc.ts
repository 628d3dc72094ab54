/**
 * The tfplugin6 RPCs mapped onto a {@link ProviderDefinition}: decode the request's values with
 * the schema, call the provider's code, encode the answer. Transport-free, so it is testable
 * with plain objects; `server.ts` puts it behind gRPC.
 *
 * Nothing here throws for a provider-side problem: exceptions from provider code, values that do
 * not fit the schema and unknown resource types all become error diagnostics.
 */
import {
  containsUnknown,
  decodeJson,
  decodeMsgpack,
  encodeMsgpack,
  isObjectValue,
  parseJson,
  TypedValue,
  typeToString,
  valueFromJson,
  type CtyType,
  type JsonValue,
  type ObjectValue,
  type Value,
} from './cty';
import {
  diagnosticFromError,
  errorDiagnostic,
  hasErrors,
  pathToString,
  ProviderError,
  type AttributePath,
  type Diagnostic,
} from './diagnostics';
import { isError } from '../model/errors';
import type { Logger } from './log';
import { planDefault, unknownPaths } from './plan';
import * as tf from './tfplugin6';
import type { ChangeAction, ProviderContext, ProviderDefinition, ResourceContext, ResourceType } from './resource';
import { blockType, schemaToProto, validateSchema } from './schema';

const SERVER_CAPABILITIES = {
  // Terraform does not call PlanResourceChange for destroy: apply receives a null plan directly.
  plan_destroy: false,
  // The schema is static, so Terraform may reuse the one it already fetched in this run.
  get_provider_schema_optional: true,
  move_resource_state: false,
};

interface RegisteredResource {
  readonly resource: ResourceType<unknown>;
  readonly type: CtyType;
}

/** Thrown internally for a request that cannot be served; becomes one error diagnostic. */
class RequestError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.summary);
    this.name = 'RequestError';
  }
}

function stepToProto(step: AttributePath[number]): tf.AttributePathStep {
  if (typeof step === 'number') return { element_key_int: step };
  if (typeof step === 'object') return { element_key_string: step.key };
  return { attribute_name: step };
}

export function diagnosticToProto(d: Diagnostic): tf.Diagnostic {
  return {
    severity: d.severity === 'error' ? tf.DiagnosticSeverity.ERROR : tf.DiagnosticSeverity.WARNING,
    summary: d.summary,
    detail: d.detail ?? '',
    ...(d.attribute && d.attribute.length > 0 && { attribute: { steps: d.attribute.map(stepToProto) } }),
  };
}

function toBuffer(bytes: Uint8Array | null | undefined): Buffer {
  if (!bytes || bytes.length === 0) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
}


function actionOf(prior: ObjectValue | null, next: ObjectValue | null): ChangeAction {
  if (prior === null) return 'create';
  if (next === null) return 'delete';
  return 'update';
}

/** Serves the provider RPCs for one provider process. */
export class ProviderRpc {
  private readonly resources = new Map<string, RegisteredResource>();
  private readonly providerType: CtyType;
  private readonly stopController = new AbortController();
  private providerData: unknown = undefined;
  private terraformVersion: string | undefined;
  private schemaResponse: tf.GetProviderSchemaResponse | undefined;

  constructor(
    private readonly definition: ProviderDefinition<unknown>,
    private readonly log: Logger,
  ) {
    validateSchema(definition.providerSchema, `provider ${definition.typeName}`);
    this.providerType = blockType(definition.providerSchema);
    for (const resource of definition.resources) {
      if (!resource.typeName.startsWith(`${definition.typeName}_`)) {
        throw new Error(`resource type ${resource.typeName}: names must start with "${definition.typeName}_"`);
      }
      if (this.resources.has(resource.typeName)) throw new Error(`resource type ${resource.typeName} is defined twice`);
      validateSchema(resource.schema, `resource ${resource.typeName}`);
      this.resources.set(resource.typeName, { resource, type: blockType(resource.schema) });
    }
  }

  /** Aborted by StopProvider. */
  get signal(): AbortSignal {
    return this.stopController.signal;
  }

  /** The diagnostic for a failure; unexpected exceptions are also logged with their stack. */
  private failure(summary: string, err: unknown): Diagnostic {
    if (isError(err, RequestError) || isError(err, ProviderError)) return err.diagnostic;
    this.log.error(summary, { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return diagnosticFromError(summary, err);
  }

  private providerContext(rpc: string): ProviderContext {
    return { log: this.log.with({ tf_rpc: rpc }), signal: this.stopController.signal, terraformVersion: this.terraformVersion };
  }

  private resourceContext(rpc: string, typeName: string): ResourceContext<unknown> {
    return {
      log: this.log.with({ tf_rpc: rpc, tf_resource_type: typeName }),
      signal: this.stopController.signal,
      terraformVersion: this.terraformVersion,
      provider: this.providerData,
      typeName,
    };
  }

  /** `typeName` is absent only in a hand-built request; decoding gives "". */
  private lookup(typeName: string | undefined): RegisteredResource {
    const found = this.resources.get(typeName ?? '');
    if (!found) {
      const known = [...this.resources.keys()].join(', ') || 'none';
      throw new RequestError(errorDiagnostic(`Unknown resource type ${typeName}`, `The ${this.definition.typeName} provider has these resource types: ${known}.`));
    }
    return found;
  }

  /** Decodes a DynamicValue into an object value or null ("no object"). */
  private decodeObject(dynamic: tf.DynamicValue | null | undefined, type: CtyType, what: string): ObjectValue | null {
    let value: Value;
    try {
      if (!dynamic) return null;
      if (dynamic.msgpack?.length) value = decodeMsgpack(dynamic.msgpack, type);
      else if (dynamic.json?.length) value = decodeJson(dynamic.json, type);
      else return null;
    } catch (err) {
      throw new RequestError(diagnosticFromError(`Terraform sent a ${what} this provider cannot read`, err));
    }
    if (value !== null && !isObjectValue(value)) {
      throw new RequestError(errorDiagnostic(`Terraform sent a ${what} this provider cannot read`, `expected an object, got ${describeValue(value)}`));
    }
    return value;
  }

  private encodeObject(value: ObjectValue | null, type: CtyType, what: string): tf.DynamicValue {
    try {
      return { msgpack: Buffer.from(encodeMsgpack(value, type)) };
    } catch (err) {
      throw new RequestError(diagnosticFromError(`Provider returned an invalid ${what}`, err));
    }
  }

  private requireObject(value: ObjectValue | null, what: string): ObjectValue {
    if (value === null) throw new RequestError(errorDiagnostic(`Terraform sent no ${what}`, `The ${what} was null where an object is required.`));
    return value;
  }

  // -------------------------------------------------------------------------------------------
  // Provider-level RPCs

  getMetadata(): tf.GetMetadataResponse {
    return {
      server_capabilities: SERVER_CAPABILITIES,
      diagnostics: [],
      data_sources: [],
      resources: [...this.resources.keys()].map((type_name) => ({ type_name })),
    };
  }

  getProviderSchema(): tf.GetProviderSchemaResponse {
    this.schemaResponse ??= {
      provider: schemaToProto(this.definition.providerSchema),
      resource_schemas: Object.fromEntries([...this.resources].map(([name, r]) => [name, schemaToProto(r.resource.schema)])),
      data_source_schemas: {},
      diagnostics: [],
      server_capabilities: SERVER_CAPABILITIES,
    };
    return this.schemaResponse;
  }

  async validateProviderConfig(request: tf.ValidateProviderConfigRequest): Promise<tf.ValidateProviderConfigResponse> {
    const diagnostics: Diagnostic[] = [];
    try {
      const config = this.decodeObject(request.config, this.providerType, 'provider configuration');
      if (this.definition.validateConfig && config) {
        diagnostics.push(...((await this.definition.validateConfig(config, this.providerContext('ValidateProviderConfig'))) ?? []));
      }
    } catch (err) {
      diagnostics.push(this.failure('Provider configuration check failed', err));
    }
    return { diagnostics: diagnostics.map(diagnosticToProto) };
  }

  async configureProvider(request: tf.ConfigureProviderRequest): Promise<tf.ConfigureProviderResponse> {
    const diagnostics: Diagnostic[] = [];
    this.terraformVersion = request.terraform_version || undefined;
    try {
      const config = this.decodeObject(request.config, this.providerType, 'provider configuration') ?? {};
      if (this.definition.configure) {
        const result = await this.definition.configure(config, this.providerContext('ConfigureProvider'));
        if (result) {
          this.providerData = result.data;
          diagnostics.push(...(result.diagnostics ?? []));
        }
      }
    } catch (err) {
      diagnostics.push(this.failure(`Configuring the ${this.definition.typeName} provider failed`, err));
    }
    return { diagnostics: diagnostics.map(diagnosticToProto) };
  }

  stopProvider(): tf.StopProviderResponse {
    this.log.info('StopProvider: cancelling running operations');
    this.cancel('Terraform asked the provider to stop');
    return { Error: '' };
  }

  /** Aborts `ctx.signal` of running and future callbacks. */
  cancel(reason: string): void {
    if (!this.stopController.signal.aborted) this.stopController.abort(new Error(reason));
  }

  // -------------------------------------------------------------------------------------------
  // Resource RPCs

  async validateResourceConfig(request: tf.ValidateResourceConfigRequest): Promise<tf.ValidateResourceConfigResponse> {
    const diagnostics: Diagnostic[] = [];
    try {
      const { resource, type } = this.lookup(request.type_name);
      const config = this.decodeObject(request.config, type, 'resource configuration');
      if (resource.validate && config) {
        diagnostics.push(...((await resource.validate(config, this.resourceContext('ValidateResourceConfig', resource.typeName))) ?? []));
      }
    } catch (err) {
      diagnostics.push(this.failure(`Checking the configuration of ${request.type_name} failed`, err));
    }
    return { diagnostics: diagnostics.map(diagnosticToProto) };
  }

  async upgradeResourceState(request: tf.UpgradeResourceStateRequest): Promise<tf.UpgradeResourceStateResponse> {
    const diagnostics: Diagnostic[] = [];
    let upgraded: tf.DynamicValue | undefined;
    try {
      const { resource, type } = this.lookup(request.type_name);
      const version = Number(request.version ?? 0);
      const json = toBuffer(request.raw_state?.json);
      if (json.length === 0) {
        const flat = request.raw_state?.flatmap && Object.keys(request.raw_state.flatmap).length > 0;
        throw new RequestError(
          errorDiagnostic(
            `Cannot upgrade the state of ${resource.typeName}`,
            flat ? 'The state is in the legacy flatmap format (Terraform < 0.12), which this provider never wrote.' : 'The stored state is empty.',
          ),
        );
      }
      let raw: JsonValue;
      try {
        raw = parseJson(json.toString('utf8'));
      } catch (err) {
        throw new RequestError(diagnosticFromError(`The stored state of ${resource.typeName} is not valid JSON`, err));
      }
      const current = resource.schema.version ?? 0;
      let state: Value;
      if (resource.upgrade && version !== current) {
        state = await resource.upgrade({ version, rawState: raw }, this.resourceContext('UpgradeResourceState', resource.typeName));
      } else {
        try {
          state = valueFromJson(raw, type, { ignoreUnknownAttributes: true });
        } catch (err) {
          throw new RequestError(
            diagnosticFromError(`The stored state of ${resource.typeName} (schema version ${version}) does not fit schema version ${current}`, err),
          );
        }
      }
      if (state !== null && !isObjectValue(state)) throw new RequestError(errorDiagnostic(`Upgrading the state of ${resource.typeName} returned no object`));
      upgraded = this.encodeObject(state, type, 'upgraded state');
    } catch (err) {
      diagnostics.push(this.failure(`Upgrading the state of ${request.type_name} failed`, err));
    }
    return { ...(upgraded && { upgraded_state: upgraded }), diagnostics: diagnostics.map(diagnosticToProto) };
  }

  async readResource(request: tf.ReadResourceRequest): Promise<tf.ReadResourceResponse> {
    const diagnostics: Diagnostic[] = [];
    const privateIn = toBuffer(request.private);
    let response: tf.ReadResourceResponse = { private: privateIn };
    try {
      const { resource, type } = this.lookup(request.type_name);
      const current = this.requireObject(this.decodeObject(request.current_state, type, 'current state'), 'current state');
      // Keep the state Terraform has if reading fails, so an unreachable host is not taken as "gone".
      response.new_state = this.encodeObject(current, type, 'state');
      try {
        const result = await resource.read({ current, private: privateIn }, this.resourceContext('ReadResource', resource.typeName));
        diagnostics.push(...(result.diagnostics ?? []));
        const newState = whollyKnown(result.newState, `read of ${resource.typeName}`, diagnostics);
        response = { new_state: this.encodeObject(newState, type, 'state after read'), private: result.private ?? privateIn };
      } catch (err) {
        diagnostics.push(this.failure(`Reading ${resource.typeName} failed`, err));
      }
    } catch (err) {
      diagnostics.push(this.failure(`Reading ${request.type_name} failed`, err));
    }
    return { ...response, diagnostics: diagnostics.map(diagnosticToProto) };
  }

  async planResourceChange(request: tf.PlanResourceChangeRequest): Promise<tf.PlanResourceChangeResponse> {
    const diagnostics: Diagnostic[] = [];
    const priorPrivate = toBuffer(request.prior_private);
    let response: tf.PlanResourceChangeResponse = { planned_private: priorPrivate, requires_replace: [] };
    try {
      const { resource, type } = this.lookup(request.type_name);
      const prior = this.decodeObject(request.prior_state, type, 'prior state');
      const proposed = this.decodeObject(request.proposed_new_state, type, 'proposed new state');
      const config = this.decodeObject(request.config, type, 'configuration');
      const planRequest = { action: actionOf(prior, proposed), prior, proposed, config, priorPrivate };
      const ctx = this.resourceContext('PlanResourceChange', resource.typeName);
      try {
        const result = resource.plan ? await resource.plan(planRequest, ctx) : planDefault(resource.schema, planRequest);
        diagnostics.push(...(result.diagnostics ?? []));
        response = {
          planned_state: this.encodeObject(result.planned, type, 'planned state'),
          requires_replace: (result.requiresReplace ?? []).map((p) => ({ steps: p.map(stepToProto) })),
          planned_private: result.plannedPrivate ?? priorPrivate,
        };
      } catch (err) {
        diagnostics.push(this.failure(`Planning ${resource.typeName} failed`, err));
      }
    } catch (err) {
      diagnostics.push(this.failure(`Planning ${request.type_name} failed`, err));
    }
    return { ...response, diagnostics: diagnostics.map(diagnosticToProto) };
  }

  async applyResourceChange(request: tf.ApplyResourceChangeRequest): Promise<tf.ApplyResourceChangeResponse> {
    const diagnostics: Diagnostic[] = [];
    const plannedPrivate = toBuffer(request.planned_private);
    let response: tf.ApplyResourceChangeResponse = { private: plannedPrivate };
    try {
      const { resource, type } = this.lookup(request.type_name);
      const prior = this.decodeObject(request.prior_state, type, 'prior state');
      const planned = this.decodeObject(request.planned_state, type, 'planned state');
      const config = this.decodeObject(request.config, type, 'configuration');
      const action = actionOf(prior, planned);
      // On failure Terraform keeps what we return: the object as it was (nothing after a failed create).
      response.new_state = this.encodeObject(action === 'create' ? null : prior, type, 'state');
      try {
        const result = await resource.apply(
          { action, prior, planned, config, plannedPrivate },
          this.resourceContext('ApplyResourceChange', resource.typeName),
        );
        diagnostics.push(...(result.diagnostics ?? []));
        const newState = whollyKnown(result.newState, `${action} of ${resource.typeName}`, diagnostics);
        response = { new_state: this.encodeObject(newState, type, `state after ${action}`), private: result.private ?? plannedPrivate };
      } catch (err) {
        diagnostics.push(this.failure(`${capitalize(action)} of ${resource.typeName} failed`, err));
      }
    } catch (err) {
      diagnostics.push(this.failure(`Applying ${request.type_name} failed`, err));
    }
    if (hasErrors(diagnostics)) this.log.warn('apply finished with errors', { tf_resource_type: request.type_name, errors: diagnostics.map((d) => d.summary) });
    return { ...response, diagnostics: diagnostics.map(diagnosticToProto) };
  }

  async importResourceState(request: tf.ImportResourceStateRequest): Promise<tf.ImportResourceStateResponse> {
    const diagnostics: Diagnostic[] = [];
    const imported: tf.ImportResourceStateImportedResource[] = [];
    try {
      const { resource, type } = this.lookup(request.type_name);
      if (!resource.importState) {
        throw new RequestError(errorDiagnostic(`Resource type ${resource.typeName} does not support import`));
      }
      const result = await resource.importState({ id: request.id ?? '' }, this.resourceContext('ImportResourceState', resource.typeName));
      diagnostics.push(...(result.diagnostics ?? []));
      for (const item of result.imported ?? []) {
        imported.push({ type_name: resource.typeName, state: this.encodeObject(item.state, type, 'imported state'), private: item.private ?? Buffer.alloc(0) });
      }
    } catch (err) {
      diagnostics.push(this.failure(`Importing ${request.type_name} "${request.id ?? ''}" failed`, err));
    }
    return { imported_resources: hasErrors(diagnostics) ? [] : imported, diagnostics: diagnostics.map(diagnosticToProto) };
  }
}

/** For messages: String() of a TypedValue would say "[object Object]". */
function describeValue(value: Value): string {
  if (value instanceof TypedValue) return `a value of type ${typeToString(value.type)}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isObjectValue(value)) return 'an object';
  return String(value);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A state must be wholly known after apply and read. Unknowns left in it are reported (naming
 * them) and replaced by null, which is what Terraform itself would store.
 */
function whollyKnown(state: ObjectValue | null, operation: string, diagnostics: Diagnostic[]): ObjectValue | null {
  if (state === null || !containsUnknown(state)) return state;
  const where = unknownPaths(state).map(pathToString).join(', ');
  diagnostics.push(
    errorDiagnostic(
      `Provider returned unknown values after ${operation}`,
      `Every value must be known after apply and read; still unknown: ${where}. This is a bug in the provider.`,
    ),
  );
  return replaceUnknownWithNull(state) as ObjectValue;
}

function replaceUnknownWithNull(value: Value): Value {
  if (containsUnknown(value) === false) return value;
  if (Array.isArray(value)) return value.map(replaceUnknownWithNull);
  if (isObjectValue(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknownWithNull(v)]));
  return null;
}
