/**
 * Confines folder imports to the configured roots (IMPORT_ROOTS, the shared data folder by default).
 * A path is taken relative to the first root unless absolute; `..` segments are refused as written;
 * the real path (symlinks resolved) must be a root or inside one. Every refusal says the same thing,
 * whether the path exists or not, is a file or a folder, or is unreadable: the API must not become a
 * way to learn what is on the server's disk.
 */
import fs from "node:fs/promises";
import path from "node:path";

export class ImportPathRefused extends Error {}

function refused(requested: string, roots: string[]): ImportPathRefused {
  const shown = requested.length > 200 ? `${requested.slice(0, 200)}…` : requested;
  return new ImportPathRefused(
    `Cannot import "${shown}": give a folder inside ${roots.length === 1 ? "the import root" : "one of the import roots"} ` +
      `(${roots.join(", ")}; IMPORT_ROOTS), as a path relative to ${roots[0]} or an absolute one, without ".."`,
  );
}

export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** The real path of `requested` when it is a folder inside a root; ImportPathRefused otherwise. */
export async function confineImportPath(requested: string, roots: string[]): Promise<string> {
  if (requested.trim() === "" || requested.includes("\0") || requested.split(/[\\/]/).includes("..")) {
    throw refused(requested, roots);
  }
  const candidate = path.resolve(roots[0], requested);
  let real: string;
  try {
    real = await fs.realpath(candidate);
    if (!(await fs.stat(real)).isDirectory()) throw refused(requested, roots);
  } catch {
    throw refused(requested, roots);
  }
  for (const root of roots) {
    const realRoot = await fs.realpath(root).catch(() => undefined);
    if (realRoot !== undefined && isInside(real, realRoot)) return real;
  }
  throw refused(requested, roots);
}
