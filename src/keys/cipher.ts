/**
 * Vendor API keys at rest: AES-256-GCM under a 32-byte master key, one random 96-bit nonce per
 * value. A sealed value is text, so it fits the existing `api_key` column:
 *
 *   nek1:<key id>:<nonce, base64url>:<ciphertext + 16-byte tag, base64url>
 *
 * The key id (the first 8 bytes of SHA-256 of the master key, hex) says which master key sealed it,
 * so values sealed under a previous key can be found and resealed after a rotation. The model's
 * vendor is bound as additional data: a sealed key copied to another vendor's row does not open.
 */
import crypto from "node:crypto";

const PREFIX = "nek1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

export interface MasterKey {
  id: string;
  key: Buffer;
}

export function makeMasterKey(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) throw new Error(`a master key is ${MASTER_KEY_BYTES} bytes, received ${key.length}`);
  return { id: crypto.createHash("sha256").update(key).digest("hex").slice(0, 16), key };
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(`${PREFIX}:`);
}

/** The id of the master key that sealed `stored`, or undefined for a plaintext value. */
export function sealedBy(stored: string): string | undefined {
  return isSealed(stored) ? stored.split(":")[1] : undefined;
}

export function seal(plaintext: string, master: MasterKey, vendor: string): string {
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", master.key, nonce);
  cipher.setAAD(Buffer.from(vendor, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return [PREFIX, master.id, nonce.toString("base64url"), body.toString("base64url")].join(":");
}

export class KeyUnreadableError extends Error {}

/** The plaintext of a sealed value; KeyUnreadableError when no key of the ring opens it. */
export function open(stored: string, ring: readonly MasterKey[], vendor: string): string {
  const [prefix, id, nonceText, bodyText] = stored.split(":");
  const master = ring.find((k) => k.id === id);
  if (prefix !== PREFIX || !master || nonceText === undefined || bodyText === undefined) {
    throw new KeyUnreadableError(
      `an API key is sealed under master key ${id ?? "?"}, which this server does not have (MASTER_KEY / MASTER_KEY_FILE)`,
    );
  }
  const body = Buffer.from(bodyText, "base64url");
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", master.key, Buffer.from(nonceText, "base64url"));
    decipher.setAAD(Buffer.from(vendor, "utf8"));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new KeyUnreadableError(`an API key sealed under master key ${id} does not open: it was altered or copied`);
  }
}
