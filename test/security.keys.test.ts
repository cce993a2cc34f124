/**
 * Vendor keys at rest (AES-256-GCM under a master key from MASTER_KEY or a 0600 key file), the key
 * migration of plaintext keys, rotation, and the baseUrl exfiltration probe of issue #10: a key goes
 * only to the base URL it was given with, and base URLs must be on the allow-list.
 */
import crypto from "node:crypto";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { makeMasterKey, open, seal } from "../src/keys/cipher";
import { rotateMasterKey } from "../src/keys/rotate";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp } from "./support/app";
import { createTestDatabase } from "./support/database";

const KEY = "sk-test-SECRET-at-rest-7777";
const OTHER_KEY = "sk-test-SECRET-vendor-wide-8888";

async function storedKeys(databaseUrl: string): Promise<{ id: number; api_key: string }[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(`SELECT id, api_key FROM model WHERE api_key <> '' ORDER BY id`)).rows;
  } finally {
    await client.end();
  }
}

async function sql(databaseUrl: string, text: string, values: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(text, values).finally(() => client.end());
}

describe("the cipher", () => {
  const master = makeMasterKey(crypto.randomBytes(32));

  test("seals with a fresh nonce each time and opens only under the same key and vendor", () => {
    const a = seal(KEY, master, "openai");
    const b = seal(KEY, master, "openai");
    expect(a).not.toBe(b);
    expect(a).not.toContain(KEY);
    expect(a.startsWith(`nek1:${master.id}:`)).toBe(true);
    expect(open(a, [master], "openai")).toBe(KEY);
    expect(() => open(a, [master], "anthropic")).toThrow(/does not open/);
    expect(() => open(a, [makeMasterKey(crypto.randomBytes(32))], "openai")).toThrow(/does not have/);
    const tampered = a.slice(0, -4) + (a.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(() => open(tampered, [master], "openai")).toThrow(/does not open/);
  });
});

describe("keys at rest", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "note-eval-keys-"));
  });

  test("first start creates the key file with mode 0600; keys are stored sealed and still reach the vendor", async () => {
    const file = path.join(folder, "first", "master.key");
    const t = await startTestApp({ MASTER_KEY_FILE: file });
    try {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(file))).mode & 0o077).toBe(0);
      expect(t.logs.join("\n")).toContain(`Created the master key file ${file}`);
      const { createModel } = dataOf(
        await t.gql(`mutation($k: String) { createModel(input: {vendor: "openai", apiKey: $k}) { id hasApiKey } }`, { k: KEY }),
      );
      expect(createModel.hasApiKey).toBe(true);
      const [row] = await storedKeys(t.config.databaseUrl!);
      expect(row.api_key).toMatch(/^nek1:[0-9a-f]{16}:/);
      expect(row.api_key).not.toContain(KEY);
      expect((await t.app.services.models.withKey(createModel.id))?.apiKey).toBe(KEY);
      expect(await readFile(file, "utf8")).not.toContain(KEY);
      for (const text of [...t.logs, ...t.responses]) expect(text).not.toContain(KEY);
    } finally {
      await t.stop();
    }
  });

  test("the key migration seals plaintext keys at start; rotation reseals them under a new key file", async () => {
    const file = path.join(folder, "rotate", "master.key");
    const databaseUrl = await createTestDatabase();
    const env = { MASTER_KEY_FILE: file, DATABASE_URL: databaseUrl };
    let t = await startTestApp(env);
    await t.stop();
    // A key stored by an older version, in plaintext.
    await sql(databaseUrl, `INSERT INTO model (vendor, model, api_key) VALUES ('anthropic', '', $1)`, [KEY]);

    t = await startTestApp(env);
    try {
      expect(t.logs.join("\n")).toContain("Sealed 1 stored API key(s) that were plaintext");
      const [sealed] = await storedKeys(databaseUrl);
      expect(sealed.api_key).toMatch(/^nek1:/);
      const before = await readFile(file, "utf8");

      const result = await rotateMasterKey(t.config.masterKey, t.app.db);
      expect(result).toMatchObject({ source: "file", resealed: 1, unreadable: 0 });
      expect(await readFile(file, "utf8")).not.toBe(before);
      await expect(stat(`${file}.previous`)).rejects.toMatchObject({ code: "ENOENT" });
      const [resealed] = await storedKeys(databaseUrl);
      expect(resealed.api_key.split(":")[1]).toBe(result.currentKeyId);
      expect(resealed.api_key.split(":")[1]).not.toBe(sealed.api_key.split(":")[1]);
      // The running server reads the rotated file when it meets a key sealed under it.
      expect((await t.app.services.models.withKey(resealed.id))?.apiKey).toBe(KEY);
    } finally {
      await t.stop();
    }
  });

  test("MASTER_KEY from the environment: no key file; MASTER_KEY_PREVIOUS lets a start reseal under the new key", async () => {
    const file = path.join(folder, "env", "master.key");
    const databaseUrl = await createTestDatabase();
    const oldKey = crypto.randomBytes(32).toString("base64");
    const newKey = crypto.randomBytes(32).toString("base64");
    let t = await startTestApp({ MASTER_KEY: oldKey, MASTER_KEY_FILE: file, DATABASE_URL: databaseUrl });
    const id = dataOf(await t.gql(`mutation($k: String!) { setVendorApiKey(vendor: "openai", apiKey: $k) { id } }`, { k: KEY }))
      .setVendorApiKey[0].id;
    await t.stop();
    await expect(stat(file)).rejects.toMatchObject({ code: "ENOENT" });

    t = await startTestApp({ MASTER_KEY: newKey, MASTER_KEY_PREVIOUS: oldKey, DATABASE_URL: databaseUrl });
    try {
      expect(t.logs.join("\n")).toContain("Resealed 1 stored API key(s) under the current master key");
      expect((await t.app.services.models.withKey(id))?.apiKey).toBe(KEY);
    } finally {
      await t.stop();
    }
    // Without the old key, a new key alone cannot read what the old one sealed, and says so.
    t = await startTestApp({ MASTER_KEY: oldKey, DATABASE_URL: databaseUrl });
    try {
      expect(t.logs.join("\n")).toMatch(/1 stored API key\(s\) are sealed under a master key this server does not have/);
      for (const text of t.logs) expect(text).not.toContain(oldKey);
    } finally {
      await t.stop();
    }
  });

  test("a MASTER_KEY that is not 32 bytes of base64 stops start-up without repeating it", async () => {
    await expect(startTestApp({ MASTER_KEY: "not-a-key-SECRET" })).rejects.toThrow(/MASTER_KEY must be 32 random bytes/);
    await expect(startTestApp({ MASTER_KEY: "not-a-key-SECRET" })).rejects.not.toThrow(/not-a-key-SECRET/);
  });
});

describe("baseUrl exfiltration", () => {
  let fake: FakeLlmServer;
  let attacker: http.Server;
  let attackerUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 5, logBodies: false });
    attacker = http.createServer((req, res) => {
      seen.push(JSON.stringify(req.headers));
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => attacker.close(resolve));
    await fake.close();
  });

  test("a baseUrl off the allow-list is refused; by default only the vendors' and the configured endpoints are on it", async () => {
    // The default allow-list: the vendors' origins plus OPENAI_BASE_URL / ANTHROPIC_BASE_URL.
    const t = await startTestApp({ BASE_URL_ALLOWLIST: "", OPENAI_BASE_URL: fake.openaiBaseUrl });
    try {
      const create = (baseUrl: string) =>
        t.gql(`mutation($u: String, $k: String) { createModel(input: {vendor: "openai", baseUrl: $u, apiKey: $k}) { id } }`, {
          u: baseUrl,
          k: KEY,
        });
      for (const url of [
        attackerUrl,
        "https://api.openai.com.evil.example/v1",
        "http://api.openai.com/v1",
        "https://user:pw@api.openai.com/v1",
      ]) {
        const refused = await create(url);
        expect(refused.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      }
      expect((await create(attackerUrl)).errors?.[0].message).toMatch(/not on the allow-list \(BASE_URL_ALLOWLIST/);
      expect(dataOf(await create("https://api.openai.com/v1")).createModel.id).toBeGreaterThan(0);
      expect(dataOf(await create(fake.openaiBaseUrl)).createModel.id).toBeGreaterThan(0);
    } finally {
      await t.stop();
    }
    expect(seen).toEqual([]);
  });

  test("setVendorApiKey never gives the vendor key to a model with its own base URL, so it cannot reach that server", async () => {
    // Even with the attacker's origin on the allow-list, the vendor-wide key does not go there.
    const t = await startTestApp({ OPENAI_BASE_URL: fake.openaiBaseUrl, ANTHROPIC_BASE_URL: fake.anthropicBaseUrl });
    try {
      const own = dataOf(
        await t.gql(`mutation($u: String) { createModel(input: {vendor: "openai", model: "exfil", baseUrl: $u}) { id } }`, {
          u: attackerUrl,
        }),
      ).createModel.id;
      const models = dataOf(
        await t.gql(`mutation($k: String!) { setVendorApiKey(vendor: "openai", apiKey: $k) { id hasApiKey baseUrl } }`, {
          k: OTHER_KEY,
        }),
      ).setVendorApiKey;
      expect(models.find((m: { id: number }) => m.id === own)).toMatchObject({ hasApiKey: false });
      expect((await t.app.services.models.withKey(own))?.apiKey).toBe("");
      expect(seen.join("\n")).not.toContain(OTHER_KEY);
    } finally {
      await t.stop();
    }
  });
});
