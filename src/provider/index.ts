/**
 * Terraform provider protocol server (tfplugin6) for providers written in TypeScript.
 * Generic: no DHCP knowledge here. Define resources with {@link ResourceType}, the provider with
 * {@link ProviderDefinition}, and start it with {@link serve} from a bundled entry file.
 */
export {
  t,
  UNKNOWN,
  Unknown,
  PreciseNumber,
  TypedValue,
  CtyValueError,
  isUnknown,
  isObjectValue,
  containsUnknown,
  valuesEqual,
  typeToJson,
  typeFromJson,
  typeToString,
  encodeMsgpack,
  decodeMsgpack,
  encodeJson,
  decodeJson,
  parseJson,
  valueFromJson,
  numberFromText,
  canonicalDecimal,
} from './cty';
export type { CtyType, Value, ObjectValue, JsonValue, Refinements } from './cty';
export { path, pathToString, errorDiagnostic, warningDiagnostic, hasErrors, diagnosticFromError, ProviderError } from './diagnostics';
export type { AttributePath, PathStep, Diagnostic, Severity } from './diagnostics';
export { attributeType, blockType, computedAttributes, validateSchema, schemaToProto } from './schema';
export type { Schema, Block, Attribute, TypedAttribute, NestedAttribute, NestedAttributes, NestedBlock, StringKind } from './schema';
export { planDefault, nullObject, withNulls, markUnknown, unknownWhereNull, copyFromPrior, changedAttributes, replacementPaths, unknownPaths } from './plan';
export type { PlanDefaultOptions } from './plan';
export type {
  ProviderDefinition,
  ResourceType,
  ProviderContext,
  ResourceContext,
  ConfigureResult,
  ChangeAction,
  PlanRequest,
  PlanResult,
  ApplyRequest,
  ApplyResult,
  ReadRequest,
  ReadResult,
  ImportRequest,
  ImportResult,
  UpgradeRequest,
} from './resource';
export { createLogger, logLevelFromEnv } from './log';
export type { Logger, LogLevel } from './log';
export { serve, MAX_MESSAGE_BYTES } from './server';
export type { ServeOptions, RunningServer } from './server';
export { ProviderRpc } from './rpc';
export { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, handshakeLine, checkPluginEnvironment } from './handshake';
export { generateCertificate } from './tls';
export type { CertificateOptions, GeneratedCertificate } from './tls';
export { PACKAGE_NAME, PROVIDER_SOURCE, PROVIDER_TYPE_NAME, providerVersion } from './version';
export {
  launcherScript,
  installProvider,
  providerLockBlock,
  packageHash,
  providerPackageFiles,
  providerBundlePath,
  cliConfigSnippet,
  terraformPlatform,
  launcherFileName,
  packedFileName,
} from './packaging';
export type { InstallProviderOptions, InstalledProvider, LockBlockOptions } from './packaging';
