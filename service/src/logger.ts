export type LogLevel = 'info' | 'warn' | 'error';

/** Log lines for `fly logs`: one line each, level first; the platform adds time and machine. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** `writeLine` receives a line without its newline; the bins pass stdout, tests an array. */
export function createLogger(writeLine: (line: string) => void): Logger {
  const log = (level: LogLevel, message: string): void => {
    writeLine(`[${level}] ${message.replace(/\s*\n\s*/g, ' ')}`);
  };

  return {
    info: (message) => log('info', message),
    warn: (message) => log('warn', message),
    error: (message) => log('error', message),
  };
}
