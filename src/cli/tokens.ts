/**
 * `note-eval tokens create|list|revoke`: token management on the server's machine. It opens the
 * server's database directly (DATABASE_URL, else the embedded Postgres of this checkout, shared with
 * a running server), like import-cases, because it must work before any token exists and when every
 * admin token is lost. Whoever can read the database can do this anyway; the API offers the same
 * to admin tokens (createToken, revokeToken, tokens).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AuditLog } from "../auth/audit";
import { loginUrl } from "../auth/login";
import { ROLES } from "../auth/roles";
import { TokenService } from "../auth/tokens";
import { loadConfig, type Config } from "../config";
import { openDatabase } from "../db/data-source";
import { startEmbeddedPostgres } from "../db/embedded-postgres";
import type { CliIo } from "./io";
import { UsageError } from "./options";

/** The actor of audit rows this command writes. */
export const TOKENS_COMMAND_ACTOR = "server (tokens command)";

export const TOKENS_USAGE = `  tokens create --name NAME --role viewer|reviewer|runner|admin [--login-url]
                                             on the server's machine: prints the new token once
  tokens list [--all] [--json]               --all: revoked ones too
  tokens revoke <id|name>`;

type Work = (tokens: TokenService, audit: AuditLog, config: Config) => Promise<number>;

async function withServerDatabase(io: CliIo, work: Work): Promise<number> {
  const config = loadConfig(io.env);
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dir: config.embeddedPgDir,
        port: config.embeddedPgPort,
        onNotice: (m) => io.stderr.write(`${m}\n`),
      });
  const db = await openDatabase({ url: config.databaseUrl ?? embedded!.url, poolSize: 2 });
  try {
    return await work(new TokenService(db), new AuditLog(db), config);
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The login URL on the address the server is configured to listen on (loopback for a wildcard). */
function serverOrigin(config: Config): string {
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host === "::" ? "[::1]" : config.host;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${config.port}`;
}

async function create(io: CliIo, args: string[]): Promise<number> {
  const { values } = parse(args, { name: { type: "string" }, role: { type: "string" }, "login-url": { type: "boolean" } });
  const name = values.name as string | undefined;
  const role = values.role as string | undefined;
  if (!name || !role) throw new UsageError(`tokens create needs --name and --role (${ROLES.join(", ")})`);
  return withServerDatabase(io, async (tokens, audit, config) => {
    const { token, row } = await tokens.create(name, role);
    await audit.record({
      actor: TOKENS_COMMAND_ACTOR,
      tokenId: null,
      operation: "createToken",
      args: { name, role },
      outcome: "ok",
    });
    io.stderr.write(`created token ${row.id} "${row.name}" (${row.role}); it is shown this once:\n`);
    io.stdout.write(`${values["login-url"] ? loginUrl(serverOrigin(config), token) : token}\n`);
    return 0;
  });
}

async function list(io: CliIo, args: string[]): Promise<number> {
  const { values } = parse(args, { all: { type: "boolean" }, json: { type: "boolean" } });
  return withServerDatabase(io, async (tokens) => {
    const rows = await tokens.list(Boolean(values.all));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    // REVIEWS AS: the person a token signs rubric decisions as (bound by its first); admin tokens sign as anyone.
    const lines = [["ID", "NAME", "ROLE", "REVIEWS AS", "CREATED", "REVOKED"]].concat(
      rows.map((r) => [
        String(r.id),
        r.name,
        r.role,
        r.role === "admin" ? "anyone" : (r.reviewer ?? ""),
        r.created.toISOString(),
        r.revoked?.toISOString() ?? "",
      ]),
    );
    const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
    io.stdout.write(
      lines
        .map((l) =>
          l
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd(),
        )
        .join("\n") + "\n",
    );
    return 0;
  });
}

async function revoke(io: CliIo, args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  const target = positionals[0];
  if (!target) throw new UsageError("tokens revoke needs a token's id or name");
  const idOrName = /^\d+$/.test(target) ? Number(target) : target;
  return withServerDatabase(io, async (tokens, audit) => {
    const row = await tokens.revoke(idOrName);
    await audit.record({
      actor: TOKENS_COMMAND_ACTOR,
      tokenId: null,
      operation: "revokeToken",
      args: { id: row.id, name: row.name },
      outcome: "ok",
    });
    io.stdout.write(`revoked token ${row.id} "${row.name}" (${row.role})\n`);
    return 0;
  });
}

export const TOKEN_COMMANDS: Record<string, (io: CliIo, args: string[]) => Promise<number>> = { create, list, revoke };
