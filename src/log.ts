import type { LogLevel } from "./config";

export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** One line per event on stderr: time, level, message, then key=value fields. */
export function createLog(level: LogLevel, write: (line: string) => void = (line) => console.error(line)): Log {
  const emit = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (rank[at] < rank[level]) return;
    const extra = fields
      ? Object.entries(fields)
          .map(([key, value]) => ` ${key}=${JSON.stringify(value instanceof Error ? value.stack : value)}`)
          .join("")
      : "";
    write(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${extra}`);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLog: Log = createLog("error", () => {});
