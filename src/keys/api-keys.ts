/**
 * Seals and opens the vendor API keys stored in `model.api_key`, and reseals what is stored when
 * the server starts (the key migration: plaintext keys of older versions, and keys sealed under a
 * previous master key, are sealed under the current one). Values are opened only to build a
 * vendor client; they are never returned, logged or compared outside this module.
 */
import type { DataSource } from "typeorm";
import { isSealed, KeyUnreadableError, open, seal, sealedBy } from "./cipher";
import { forgetPreviousKeyFile, loadKeyring, type Keyring, type MasterKeySettings } from "./keyring";

export interface ResealSummary {
  /** Plaintext keys now sealed. */
  sealed: number;
  /** Keys moved from a previous master key to the current one. */
  resealed: number;
  /** Keys no master key of this server opens (they stay as they are; runs with them fail). */
  unreadable: number;
}

export class ApiKeyCipher {
  private constructor(
    private readonly settings: MasterKeySettings,
    private ring: Keyring,
  ) {}

  static async load(settings: MasterKeySettings): Promise<ApiKeyCipher> {
    return new ApiKeyCipher(settings, await loadKeyring(settings));
  }

  get keyring(): Keyring {
    return this.ring;
  }

  /**
   * Seals under the current master key. A file key is read again first (keys are set rarely): after a
   * rotation by the command, a running server seals under the new key, not the one it started with.
   */
  async seal(plaintext: string, vendor: string): Promise<string> {
    if (plaintext === "") return "";
    if (this.ring.source === "file") this.ring = await loadKeyring(this.settings);
    return seal(plaintext, this.ring.current, vendor);
  }

  /** The plaintext; a key sealed under a master key this process does not know yet reloads the key file once (another process rotated it). */
  async open(stored: string, vendor: string): Promise<string> {
    if (stored === "" || !isSealed(stored)) return stored;
    const id = sealedBy(stored);
    if (this.ring.source === "file" && !this.ring.all.some((k) => k.id === id)) {
      this.ring = await loadKeyring(this.settings);
    }
    return open(stored, this.ring.all, vendor);
  }

  /** Seals every stored key under the current master key, in one transaction. */
  async resealStored(db: DataSource): Promise<ResealSummary> {
    const summary: ResealSummary = { sealed: 0, resealed: 0, unreadable: 0 };
    await db.transaction(async (tx) => {
      const rows: { id: number; vendor: string; api_key: string }[] = await tx.query(
        `SELECT id, vendor, api_key FROM model WHERE api_key <> '' ORDER BY id FOR UPDATE`,
      );
      for (const row of rows) {
        let plaintext: string;
        if (!isSealed(row.api_key)) {
          plaintext = row.api_key;
          summary.sealed++;
        } else if (sealedBy(row.api_key) === this.ring.current.id) {
          continue;
        } else {
          try {
            plaintext = open(row.api_key, this.ring.all, row.vendor);
            summary.resealed++;
          } catch (error) {
            if (!(error instanceof KeyUnreadableError)) throw error;
            summary.unreadable++;
            continue;
          }
        }
        await tx.query(`UPDATE model SET api_key = $2 WHERE id = $1`, [row.id, seal(plaintext, this.ring.current, row.vendor)]);
      }
    });
    if (summary.unreadable === 0 && this.ring.source === "file") await forgetPreviousKeyFile(this.settings.file);
    return summary;
  }
}
