/**
 * The master keys of this server: the current one seals, every one of them opens. The current key
 * comes from MASTER_KEY (base64 of 32 bytes) or, without it, from MASTER_KEY_FILE, created on first
 * start with mode 0600 (a folder of its own, 0700). A previous key (MASTER_KEY_PREVIOUS, or the file
 * `<file>.previous` a rotation leaves until every value is resealed) opens values not yet resealed.
 *
 * Rotation of a file key (rotateKeyFile) moves files in an order that a crash at any point leaves
 * readable: new key to `<file>.next`; current to `<file>.previous`; `.next` to the file. Loading
 * finishes a rotation that stopped between the last two steps.
 */
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { makeMasterKey, MASTER_KEY_BYTES, type MasterKey } from "./cipher";

export interface MasterKeySettings {
  /** MASTER_KEY, base64 (checked by config). */
  fromEnvironment: string | undefined;
  /** MASTER_KEY_PREVIOUS, base64: opens values sealed before a rotation of MASTER_KEY. */
  previousFromEnvironment: string | undefined;
  /** MASTER_KEY_FILE: used when MASTER_KEY is unset. */
  file: string;
}

export interface Keyring {
  current: MasterKey;
  /** Every key that opens: the current one first. */
  all: MasterKey[];
  source: "environment" | "file";
  /** Set when this load created the key file. */
  createdFile?: string;
}

const decode = (text: string) => makeMasterKey(Buffer.from(text.trim(), "base64"));

async function readKeyFile(file: string): Promise<MasterKey | undefined> {
  try {
    return decode(await fs.readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`The master key file ${file} could not be read or is not 32 bytes in base64: ${(error as Error).message}`);
  }
}

/** Writes a new key to `file` only if no file is there (another process may be creating it too). */
async function createKeyFile(file: string): Promise<boolean> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(temporary, crypto.randomBytes(MASTER_KEY_BYTES).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  try {
    await fs.link(temporary, file); // atomic, and fails if the file exists: the first writer wins
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    await fs.unlink(temporary);
  }
}

export async function loadKeyring(settings: MasterKeySettings): Promise<Keyring> {
  if (settings.fromEnvironment) {
    const current = decode(settings.fromEnvironment);
    const previous = settings.previousFromEnvironment ? [decode(settings.previousFromEnvironment)] : [];
    return { current, all: [current, ...previous.filter((k) => k.id !== current.id)], source: "environment" };
  }
  const { file } = settings;
  let createdFile: string | undefined;
  let current = await readKeyFile(file);
  if (!current && (await readKeyFile(`${file}.next`))) {
    await fs.rename(`${file}.next`, file); // a rotation stopped before its last rename
    current = await readKeyFile(file);
  }
  if (!current) {
    if (await createKeyFile(file)) createdFile = file;
    current = (await readKeyFile(file))!;
  }
  const previous = await readKeyFile(`${file}.previous`);
  const all = previous && previous.id !== current.id ? [current, previous] : [current];
  return { current, all, source: "file", createdFile };
}

/** Makes a new file key; the old one stays as `<file>.previous` until every value is resealed. */
export async function rotateKeyFile(file: string): Promise<void> {
  if (!(await readKeyFile(file))) throw new Error(`No master key file at ${file}: nothing to rotate`);
  if (await readKeyFile(`${file}.previous`)) {
    throw new Error(`${file}.previous exists: a rotation is not finished; run the rotation again once it is resealed`);
  }
  await fs.writeFile(`${file}.next`, crypto.randomBytes(MASTER_KEY_BYTES).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  await fs.rename(file, `${file}.previous`);
  await fs.rename(`${file}.next`, file);
}

/** After every value is sealed under the current key, the previous key file is no longer needed. */
export async function forgetPreviousKeyFile(file: string): Promise<void> {
  await fs.rm(`${file}.previous`, { force: true });
}
