/** The logging contract Omnibus writes to. Compatible with pino, winston and `console`. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * A logger writing one line per entry to the console, at `level` and above. The default bus logger
 * logs warnings and errors only, so a library never floods an application's output.
 */
export function createConsoleLogger(level: Level = 'warn'): Logger {
  const threshold = order[level];
  const write = (at: Exclude<Level, 'silent'>) =>
    order[at] < threshold
      ? () => {}
      : (message: string, fields?: Record<string, unknown>) =>
          console[at](`[omnibus] ${message}`, ...(fields === undefined ? [] : [fields]));
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
