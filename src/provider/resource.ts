/**
 * The contract between the protocol server and the code that implements a provider.
 *
 * Values: every state, plan and configuration is an {@link ObjectValue} holding all schema
 * attributes (null when unset), or `null` for "no object" (nothing before create, nothing after
 * destroy, resource gone on read). Values Terraform will only know after apply are the
 * `UNKNOWN` singleton (test with `isUnknown`). See `cty.ts` for numbers, sets and maps.
 *
 * Errors: a method may throw. The server turns any exception into an error diagnostic whose
 * summary names the operation and whose detail carries the message, and keeps the last known
 * state so Terraform does not lose track of the object. Throw `ProviderError` for an exact
 * summary/detail/attribute, or return diagnostics to report several problems or warnings.
 */
import type { ObjectValue, JsonValue } from './cty';
import type { AttributePath, Diagnostic } from './diagnostics';
import type { Logger } from './log';
import type { Schema } from './schema';

type MaybePromise<T> = T | Promise<T>;

/** What every provider callback receives. */
export interface ProviderContext {
  /** Logs to Terraform's log (visible with `TF_LOG=debug`), fields included. */
  readonly log: Logger;
  /** Aborted when Terraform asks the provider to stop (Ctrl-C): give up long operations. */
  readonly signal: AbortSignal;
  /** Version of the calling Terraform, once ConfigureProvider has told it. */
  readonly terraformVersion: string | undefined;
}

/** What resource callbacks receive. `P` is what the provider's `configure` returned as `data`. */
export interface ResourceContext<P = unknown> extends ProviderContext {
  /** The provider data from `configure` (undefined before ConfigureProvider, e.g. in validate). */
  readonly provider: P;
  /** The resource type name, e.g. `dhcpagent_port`. */
  readonly typeName: string;
}

/** Result of {@link ProviderDefinition.configure}. */
export interface ConfigureResult<P> {
  /** Handed to every resource callback as `ctx.provider`. */
  readonly data?: P;
  readonly diagnostics?: readonly Diagnostic[];
}

/** A whole provider: its name, version, configuration schema and resource types. */
export interface ProviderDefinition<P = unknown> {
  /** Provider type name, the prefix of every resource type (e.g. `dhcpagent`). */
  readonly typeName: string;
  /** Provider version (informational; Terraform takes it from the installed package). */
  readonly version: string;
  /** Schema of the `provider "dhcpagent" { … }` block. */
  readonly providerSchema: Schema;
  /** Extra checks of the provider block (may contain unknowns). */
  validateConfig?(config: ObjectValue, ctx: ProviderContext): MaybePromise<readonly Diagnostic[] | void>;
  /** Called once per provider process before any plan/apply/read/import. */
  configure?(config: ObjectValue, ctx: ProviderContext): MaybePromise<ConfigureResult<P> | void>;
  readonly resources: readonly ResourceType<P>[];
}

/** Which of the three apply operations a request is. */
export type ChangeAction = 'create' | 'update' | 'delete';

export interface PlanRequest {
  /** 'create' when prior is null, 'delete' when proposed is null, else 'update'. */
  readonly action: ChangeAction;
  /** Current state (after refresh); null on create. */
  readonly prior: ObjectValue | null;
  /**
   * Terraform's proposal: configuration merged with prior state (computed attributes that the
   * configuration leaves unset keep their prior value; on create they are null). Null on delete.
   */
  readonly proposed: ObjectValue | null;
  /** The configuration alone (unset attributes null; may contain unknowns). Null on delete. */
  readonly config: ObjectValue | null;
  /** Private data stored with the prior state (empty on create). */
  readonly priorPrivate: Buffer;
}

export interface PlanResult {
  /**
   * The planned new state: must keep every configured value as configured; computed values
   * the provider will only know after apply are UNKNOWN. Null on delete.
   */
  readonly planned: ObjectValue | null;
  /** Attributes whose change forces replacement (destroy + create). */
  readonly requiresReplace?: readonly AttributePath[];
  /** Private data handed to apply. @default the prior private data */
  readonly plannedPrivate?: Buffer;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ApplyRequest {
  readonly action: ChangeAction;
  /** State before apply; null on create. */
  readonly prior: ObjectValue | null;
  /** What plan promised (unknowns still unknown); null on delete. */
  readonly planned: ObjectValue | null;
  /** Configuration (null on delete). */
  readonly config: ObjectValue | null;
  readonly plannedPrivate: Buffer;
}

export interface ApplyResult {
  /**
   * State after apply: wholly known; every value that was known in `planned` must come back
   * identical. Null after delete (or when create failed before anything existed).
   */
  readonly newState: ObjectValue | null;
  /** @default the planned private data */
  readonly private?: Buffer;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ReadRequest {
  /** The state Terraform has. */
  readonly current: ObjectValue;
  readonly private: Buffer;
}

export interface ReadResult {
  /**
   * What exists now; null when the object is gone (Terraform plans to create it again).
   * Keep configuration-controlled values as they are unless the real object differs.
   */
  readonly newState: ObjectValue | null;
  /** @default the request's private data */
  readonly private?: Buffer;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ImportRequest {
  /** The id given to `terraform import` or an `import` block. */
  readonly id: string;
}

export interface ImportResult {
  /**
   * The imported object(s). Terraform reads each one (ReadResource) right after, so a state
   * holding just enough to read is fine; attributes not given are null.
   */
  readonly imported?: readonly { readonly state: ObjectValue; readonly private?: Buffer }[];
  readonly diagnostics?: readonly Diagnostic[];
}

export interface UpgradeRequest {
  /** Schema version the stored state was written with. */
  readonly version: number;
  /** The stored state as parsed JSON (numbers exact). */
  readonly rawState: JsonValue;
}

/** One managed resource type. */
export interface ResourceType<P = unknown> {
  /** Full type name including the provider prefix, e.g. `dhcpagent_network`. */
  readonly typeName: string;
  readonly schema: Schema;
  /** Extra checks of a resource block (values may be unknown). */
  validate?(config: ObjectValue, ctx: ResourceContext<P>): MaybePromise<readonly Diagnostic[] | void>;
  /**
   * Plans a change. @default `planDefault` (plan.ts) (keep configuration, UNKNOWN for computed
   * attributes on create, `requiresReplace` from the schema).
   */
  plan?(request: PlanRequest, ctx: ResourceContext<P>): MaybePromise<PlanResult>;
  /** Creates, updates or deletes the real object. */
  apply(request: ApplyRequest, ctx: ResourceContext<P>): MaybePromise<ApplyResult>;
  /** Refreshes the state from the real object (drift detection). */
  read(request: ReadRequest, ctx: ResourceContext<P>): MaybePromise<ReadResult>;
  /** Supports `terraform import`. Without it import answers with an error diagnostic. */
  importState?(request: ImportRequest, ctx: ResourceContext<P>): MaybePromise<ImportResult>;
  /**
   * Converts stored state of an older schema version to the current schema. Without it, state
   * of any version is read with the current schema, dropping attributes that no longer exist.
   */
  upgrade?(request: UpgradeRequest, ctx: ResourceContext<P>): MaybePromise<ObjectValue>;
}
