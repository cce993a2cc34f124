/** What a command touches outside itself, injected so that tests run the CLI in-process. */
import type { Readable, Writable } from "node:stream";

export type InStream = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
export type OutStream = Writable & { isTTY?: boolean; columns?: number };

export interface CliIo {
  stdin: InStream;
  stdout: OutStream;
  stderr: OutStream;
  /** Resolves relative paths (cases import, --file, --out). */
  cwd: string;
  env: Record<string, string | undefined>;
  /** Calls handler on Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    onInterrupt(handler) {
      const onSignal = onePerKeypress(handler);
      process.on("SIGINT", onSignal);
      return () => process.off("SIGINT", onSignal);
    },
  };
}

/** Two SIGINTs closer than this are one Ctrl-C. */
const SAME_KEYPRESS_MS = 300;

/**
 * One Ctrl-C can arrive as two SIGINTs: the terminal sends it to the whole process group, and
 * `npm run cli` forwards its own copy to its child as well. Without this, a single Ctrl-C read as
 * "Ctrl-C twice" and left without waiting for the cancel.
 */
export function onePerKeypress(handler: () => void, now: () => number = Date.now): () => void {
  let last = -Infinity;
  return () => {
    const at = now();
    const repeat = at - last < SAME_KEYPRESS_MS;
    last = at;
    if (!repeat) handler();
  };
}

/**
 * Ends the process quietly when stdout's reader goes away (`note-eval experiment export | head`):
 * without a listener, the EPIPE of the next write was an uncaught error with a stack trace.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WritableStream, exit: (code: number) => void): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") exit(0);
    else throw error;
  });
}

/**
 * A secret from a hidden prompt on a terminal (nothing echoed), or the whole of stdin otherwise
 * (`echo $KEY | note-eval models set-key ...`), trimmed. Never from argv, never printed.
 */
export async function readSecret(io: CliIo, prompt: string): Promise<string> {
  const { stdin } = io;
  if (!stdin.isTTY || !stdin.setRawMode) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString("utf8").trim();
  }
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (data: Buffer | string) => {
        for (const ch of String(data)) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            stdin.off("data", onData);
            io.stderr.write("\n");
            return resolve(value.trim());
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            io.stderr.write("\n");
            return reject(new InterruptedError());
          }
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
  }
}
