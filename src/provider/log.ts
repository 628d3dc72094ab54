/**
 * Provider logging in the form Terraform understands.
 *
 * go-plugin reads the provider's stderr line by line; a JSON line with `@level`, `@message` and
 * `@timestamp` (hclog's JSON format) is re-logged by Terraform at that level with the remaining
 * keys as fields, so `TF_LOG=debug terraform plan` shows provider logs next to Terraform's own.
 * The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`; unset or `off` writes nothing.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel | 'off', number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

/** Structured logger handed to provider code (`ctx.log`). */
export interface Logger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger adding these fields to every line. */
  with(fields: Record<string, unknown>): Logger;
  /** False when lines of this level are dropped (skip building expensive messages). */
  enabled(level: LogLevel): boolean;
}

/** The level Terraform asks for through the environment; 'off' when logging is disabled. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel | 'off' {
  const raw = (env.TF_LOG_PROVIDER || env.TF_LOG || '').trim().toLowerCase();
  if (raw === '' || raw === 'off') return 'off';
  if (raw === 'json') return 'trace';
  if (raw in RANK) return raw as LogLevel;
  return 'trace'; // Terraform treats an unrecognised TF_LOG value as TRACE
}

/** hclog's JSON time layout: microseconds and a zone (go-plugin parses exactly this). */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith('@')) continue;
    if (value instanceof Error) out[key] = value.message;
    else if (typeof value === 'bigint') out[key] = value.toString();
    else if (Buffer.isBuffer(value)) out[key] = `<${value.length} bytes>`;
    else out[key] = value;
  }
  return out;
}

export interface LoggerOptions {
  readonly level: LogLevel | 'off';
  /** Where lines go. @default process.stderr */
  readonly write?: (line: string) => void;
  /** `@module` of every line. @default 'provider' */
  readonly module?: string;
  readonly fields?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const module = options.module ?? 'provider';
  const base = options.fields ?? {};
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    const record = { '@level': level, '@message': message, '@module': module, '@timestamp': timestamp(new Date()), ...safeFields({ ...base, ...fields }) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ '@level': level, '@message': message, '@module': module, '@timestamp': record['@timestamp'] });
    }
    write(line + '\n');
  };
  return {
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    with: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
    enabled: (level) => RANK[level] >= threshold,
  };
}
