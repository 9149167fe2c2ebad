/**
 * Structured logs: one JSON object per line on stdout, `{"time","level","msg",...fields}`,
 * so Loki/Alloy can parse them with `| json`.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

function plain(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const record: LogFields = { time: new Date().toISOString(), level: lvl, msg };
    for (const [k, v] of Object.entries(fields)) if (!(k in record)) record[k] = plain(v);
    write(JSON.stringify(record) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that keeps records in memory (tests and library users who bring their own logging). */
export function memoryLogger(): Logger & { readonly records: LogFields[] } {
  const records: LogFields[] = [];
  const logger = createLogger('debug', (line) => records.push(JSON.parse(line) as LogFields));
  return Object.assign(logger, { records });
}
