/**
 * Master key rotation, the `npm run rotate-master-key` command. With a key file: every stored key is
 * first sealed under the current key (finishing any earlier rotation), a new key replaces the file
 * (the old one kept as `<file>.previous`), every stored key is resealed under the new one, and the
 * previous file is removed. With MASTER_KEY: the operator sets the new key in MASTER_KEY and the old
 * one in MASTER_KEY_PREVIOUS; this reseals (as the server's start does) so the old one can be dropped.
 * Running servers read a rotated key file again when they next seal or meet a key sealed under it;
 * rotating with the servers stopped leaves no window at all.
 */
import type { DataSource } from "typeorm";
import type { MasterKeyConfig } from "../config";
import { ApiKeyCipher, type ResealSummary } from "./api-keys";
import { rotateKeyFile } from "./keyring";

export interface RotationResult extends ResealSummary {
  source: "environment" | "file";
  /** The id of the master key every stored key is now sealed under. */
  currentKeyId: string;
}

export class RotationRefused extends Error {}

export async function rotateMasterKey(settings: MasterKeyConfig, db: DataSource): Promise<RotationResult> {
  if (settings.fromEnvironment) {
    if (!settings.previousFromEnvironment) {
      throw new RotationRefused(
        "The master key comes from MASTER_KEY: set MASTER_KEY to a new key (openssl rand -base64 32) and " +
          "MASTER_KEY_PREVIOUS to the old one, then run this again (or start the server, which reseals too)",
      );
    }
    const keys = await ApiKeyCipher.load(settings);
    return { source: "environment", currentKeyId: keys.keyring.current.id, ...(await keys.resealStored(db)) };
  }
  const before = await ApiKeyCipher.load(settings);
  const pending = await before.resealStored(db);
  if (pending.unreadable > 0) {
    throw new RotationRefused(
      `${pending.unreadable} stored key(s) are sealed under a master key this server does not have: set them again first`,
    );
  }
  await rotateKeyFile(settings.file);
  const after = await ApiKeyCipher.load(settings);
  return { source: "file", currentKeyId: after.keyring.current.id, ...(await after.resealStored(db)) };
}
