/**
 * TypeScript shapes of the tfplugin6 messages in `proto/tfplugin6.proto`, as protobufjs hands
 * them over and takes them (`keepCase`: field names as in the .proto, snake_case).
 *
 * Written by hand because no generator runs offline with the project's dependencies; the unit
 * test test/unit/provider-tfplugin6.test.ts holds them to the .proto: one interface per message
 * (nested names joined: `GetMetadata.Response` is `GetMetadataResponse`), the same fields with
 * compatible types, and one const object per enum with the same values.
 *
 * Every field is optional, as in proto3: a request built by hand may leave fields out, and a
 * decoded one has a default for every scalar but `null` for an absent message. `int64` is a
 * plain number because proto.ts keeps protobufjs from using `long`; `bytes` decode as Buffers.
 */

type DecodedValue<V> = V extends Uint8Array ? V : V extends (infer E)[] ? DecodedValue<E>[] : V extends object ? Decoded<V> : V;

/**
 * A message as protobufjs decodes it: every scalar, repeated and map field has a value (its
 * default when the wire left it out), an absent message field is null.
 */
export type Decoded<T> = { [K in keyof T]-?: DecodedValue<Exclude<T[K], undefined>> };

/** tfplugin6.Diagnostic.Severity */
export const DiagnosticSeverity = { INVALID: 0, ERROR: 1, WARNING: 2 } as const;
export type DiagnosticSeverity = (typeof DiagnosticSeverity)[keyof typeof DiagnosticSeverity];

/** tfplugin6.StringKind */
export const StringKind = { PLAIN: 0, MARKDOWN: 1 } as const;
export type StringKind = (typeof StringKind)[keyof typeof StringKind];

/** tfplugin6.Schema.NestedBlock.NestingMode */
export const SchemaNestedBlockNestingMode = { INVALID: 0, SINGLE: 1, LIST: 2, SET: 3, MAP: 4, GROUP: 5 } as const;
export type SchemaNestedBlockNestingMode = (typeof SchemaNestedBlockNestingMode)[keyof typeof SchemaNestedBlockNestingMode];

/** tfplugin6.Schema.Object.NestingMode */
export const SchemaObjectNestingMode = { INVALID: 0, SINGLE: 1, LIST: 2, SET: 3, MAP: 4 } as const;
export type SchemaObjectNestingMode = (typeof SchemaObjectNestingMode)[keyof typeof SchemaObjectNestingMode];

export interface DynamicValue {
  msgpack?: Uint8Array;
  json?: Uint8Array;
}

export interface Diagnostic {
  severity?: DiagnosticSeverity;
  summary?: string;
  detail?: string;
  attribute?: AttributePath | null;
}

export interface AttributePath {
  steps?: AttributePathStep[];
}

/** One of the three fields is set (`oneof selector`). */
export interface AttributePathStep {
  attribute_name?: string;
  element_key_string?: string;
  element_key_int?: number;
}

export type StopProviderRequest = Record<string, never>;

export interface StopProviderResponse {
  Error?: string;
}

export interface RawState {
  json?: Uint8Array;
  flatmap?: Record<string, string>;
}

export interface Schema {
  version?: number;
  block?: SchemaBlock | null;
}

export interface SchemaBlock {
  version?: number;
  attributes?: SchemaAttribute[];
  block_types?: SchemaNestedBlock[];
  description?: string;
  description_kind?: StringKind;
  deprecated?: boolean;
}

export interface SchemaAttribute {
  name?: string;
  type?: Uint8Array;
  nested_type?: SchemaObject | null;
  description?: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  description_kind?: StringKind;
  deprecated?: boolean;
  write_only?: boolean;
}

export interface SchemaNestedBlock {
  type_name?: string;
  block?: SchemaBlock | null;
  nesting?: SchemaNestedBlockNestingMode;
  min_items?: number;
  max_items?: number;
}

export interface SchemaObject {
  attributes?: SchemaAttribute[];
  nesting?: SchemaObjectNestingMode;
}

export interface ServerCapabilities {
  plan_destroy?: boolean;
  get_provider_schema_optional?: boolean;
  move_resource_state?: boolean;
}

export interface ClientCapabilities {
  deferral_allowed?: boolean;
  write_only_attributes_allowed?: boolean;
}

export type GetMetadataRequest = Record<string, never>;

export interface GetMetadataResponse {
  server_capabilities?: ServerCapabilities | null;
  diagnostics?: Diagnostic[];
  data_sources?: GetMetadataDataSourceMetadata[];
  resources?: GetMetadataResourceMetadata[];
}

export interface GetMetadataDataSourceMetadata {
  type_name?: string;
}

export interface GetMetadataResourceMetadata {
  type_name?: string;
}

export type GetProviderSchemaRequest = Record<string, never>;

export interface GetProviderSchemaResponse {
  provider?: Schema | null;
  resource_schemas?: Record<string, Schema>;
  data_source_schemas?: Record<string, Schema>;
  diagnostics?: Diagnostic[];
  provider_meta?: Schema | null;
  server_capabilities?: ServerCapabilities | null;
}

export interface ValidateProviderConfigRequest {
  config?: DynamicValue | null;
}

export interface ValidateProviderConfigResponse {
  diagnostics?: Diagnostic[];
}

export interface UpgradeResourceStateRequest {
  type_name?: string;
  version?: number;
  raw_state?: RawState | null;
}

export interface UpgradeResourceStateResponse {
  upgraded_state?: DynamicValue | null;
  diagnostics?: Diagnostic[];
}

export interface ValidateResourceConfigRequest {
  type_name?: string;
  config?: DynamicValue | null;
}

export interface ValidateResourceConfigResponse {
  diagnostics?: Diagnostic[];
}

export interface ConfigureProviderRequest {
  terraform_version?: string;
  config?: DynamicValue | null;
  client_capabilities?: ClientCapabilities | null;
}

export interface ConfigureProviderResponse {
  diagnostics?: Diagnostic[];
}

export interface ReadResourceRequest {
  type_name?: string;
  current_state?: DynamicValue | null;
  private?: Uint8Array;
  provider_meta?: DynamicValue | null;
  client_capabilities?: ClientCapabilities | null;
}

export interface ReadResourceResponse {
  new_state?: DynamicValue | null;
  diagnostics?: Diagnostic[];
  private?: Uint8Array;
}

export interface PlanResourceChangeRequest {
  type_name?: string;
  prior_state?: DynamicValue | null;
  proposed_new_state?: DynamicValue | null;
  config?: DynamicValue | null;
  prior_private?: Uint8Array;
  provider_meta?: DynamicValue | null;
  client_capabilities?: ClientCapabilities | null;
}

export interface PlanResourceChangeResponse {
  planned_state?: DynamicValue | null;
  requires_replace?: AttributePath[];
  planned_private?: Uint8Array;
  diagnostics?: Diagnostic[];
}

export interface ApplyResourceChangeRequest {
  type_name?: string;
  prior_state?: DynamicValue | null;
  planned_state?: DynamicValue | null;
  config?: DynamicValue | null;
  planned_private?: Uint8Array;
  provider_meta?: DynamicValue | null;
}

export interface ApplyResourceChangeResponse {
  new_state?: DynamicValue | null;
  private?: Uint8Array;
  diagnostics?: Diagnostic[];
}

export interface ImportResourceStateRequest {
  type_name?: string;
  id?: string;
  client_capabilities?: ClientCapabilities | null;
}

export interface ImportResourceStateImportedResource {
  type_name?: string;
  state?: DynamicValue | null;
  private?: Uint8Array;
}

export interface ImportResourceStateResponse {
  imported_resources?: ImportResourceStateImportedResource[];
  diagnostics?: Diagnostic[];
}

/** `service Provider`: each RPC's request and response. */
export interface ProviderService {
  GetMetadata: { request: GetMetadataRequest; response: GetMetadataResponse };
  GetProviderSchema: { request: GetProviderSchemaRequest; response: GetProviderSchemaResponse };
  ValidateProviderConfig: { request: ValidateProviderConfigRequest; response: ValidateProviderConfigResponse };
  ValidateResourceConfig: { request: ValidateResourceConfigRequest; response: ValidateResourceConfigResponse };
  UpgradeResourceState: { request: UpgradeResourceStateRequest; response: UpgradeResourceStateResponse };
  ConfigureProvider: { request: ConfigureProviderRequest; response: ConfigureProviderResponse };
  ReadResource: { request: ReadResourceRequest; response: ReadResourceResponse };
  PlanResourceChange: { request: PlanResourceChangeRequest; response: PlanResourceChangeResponse };
  ApplyResourceChange: { request: ApplyResourceChangeRequest; response: ApplyResourceChangeResponse };
  ImportResourceState: { request: ImportResourceStateRequest; response: ImportResourceStateResponse };
  StopProvider: { request: StopProviderRequest; response: StopProviderResponse };
}

export type ProviderRpcName = keyof ProviderService;
export type RequestOf<K extends ProviderRpcName> = ProviderService[K]['request'];
export type ResponseOf<K extends ProviderRpcName> = ProviderService[K]['response'];
