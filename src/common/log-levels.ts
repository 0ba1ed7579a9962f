import type { LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** LOG_LEVEL=warn → ['error', 'warn']: the named level and everything more severe. */
export function logLevelsFromEnv(level = process.env.LOG_LEVEL ?? 'log'): LogLevel[] {
  const index = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, index < 0 ? 3 : index + 1);
}
