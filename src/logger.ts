/**
 * A small leveled logger that writes one line per message to stderr. Secrets are never passed
 * to it; as a second line of defence, registered secrets are masked in every line.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

const secrets = new Set<string>();

/** Keys stored through the API are registered here so that no log line can carry them. */
export function registerSecret(secret: string): void {
  if (secret.length >= 8) secrets.add(secret);
}

export function maskSecrets(text: string): string {
  let masked = text;
  for (const secret of secrets) masked = masked.split(secret).join("[redacted]");
  return masked;
}

export function makeLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const emit = (at: LogLevel, message: string) => {
    if (ORDER[at] < ORDER[level]) return;
    write(maskSecrets(`${new Date().toISOString()} ${at.toUpperCase()} ${message}`));
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m, error) =>
      emit("error", error === undefined ? m : `${m}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  };
}
