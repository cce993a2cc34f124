/**
 * importCaseFolder stays inside IMPORT_ROOTS: other paths, `..`, symlinks out of a root (as the
 * folder or as a file in a case folder) are refused with one message that does not tell whether
 * anything exists there, and errors never quote a file's content.
 */
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { dataOf, startTestApp, type GraphQLResponse, type TestApp } from "./support/app";
import { TRANSCRIPT } from "./support/fixtures";

const IMPORT = `mutation($p: String!) { importCaseFolder(path: $p) { cases rubrics caseIds } }`;

describe("importCaseFolder confinement", () => {
  let t: TestApp;
  let root: string;
  let outside: string;

  const importFolder = (p: string) => t.gql(IMPORT, { p });
  const caseFolder = async (dir: string, files: Record<string, string>) => {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  };

  beforeAll(async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), "note-eval-imports-"));
    root = path.join(base, "root");
    outside = path.join(base, "outside");
    await caseFolder(path.join(root, "good", "Patient_1"), { "transcript.json": JSON.stringify(TRANSCRIPT) });
    await caseFolder(path.join(outside, "secret", "Patient_1"), {
      "transcript.json": JSON.stringify({ "sk-live-FILE-CONTENT-KEY": [{ speaker: 1 }] }),
    });
    await symlink(path.join(outside, "secret"), path.join(root, "link-out"));
    // A case folder inside the root whose transcript is a link to a file outside it.
    await mkdir(path.join(root, "file-link", "Patient_1"), { recursive: true });
    await symlink(
      path.join(outside, "secret", "Patient_1", "transcript.json"),
      path.join(root, "file-link", "Patient_1", "transcript.json"),
    );
    await caseFolder(path.join(root, "broken", "Patient_1"), { "transcript.json": `{"sk-live-BROKEN-KEY": [` });
    await caseFolder(path.join(root, "wrong-shape", "Patient_1"), {
      "transcript.json": JSON.stringify({ "sk-live-SHAPE-KEY": [{ speaker: 1 }] }),
    });
    t = await startTestApp({ IMPORT_ROOTS: root });
  });
  afterAll(async () => {
    for (const text of [...t.responses, ...t.logs]) {
      expect(text).not.toMatch(/sk-live-(FILE-CONTENT|BROKEN|SHAPE)-KEY/);
      expect(text).not.toMatch(/\n\s+at /);
    }
    await t.stop();
  });

  test("a folder inside the root imports, by absolute path or relative to the root", async () => {
    expect(dataOf(await importFolder(path.join(root, "good"))).importCaseFolder).toMatchObject({ cases: 1 });
    expect(dataOf(await importFolder("good")).importCaseFolder).toMatchObject({ cases: 1 });
  });

  test("paths outside the root, `..`, symlinks out and missing folders get one answer that reveals nothing", async () => {
    const probes = [
      "/etc",
      "/",
      outside,
      path.join(outside, "secret"),
      path.join(root, "..", "outside", "secret"),
      "../outside/secret",
      "good/../../outside",
      "link-out",
      path.join(root, "link-out"),
      path.join(root, "does-not-exist"),
      "/does/not/exist",
      path.join(root, "good", "Patient_1", "transcript.json"),
      "",
    ];
    const messages = new Set<string>();
    for (const probe of probes) {
      const response: GraphQLResponse = await importFolder(probe);
      expect(response.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      messages.add(response.errors![0].message.replace(`"${probe}"`, '"…"'));
    }
    // The same message whatever is (or is not) at the path: no file-system oracle.
    expect([...messages]).toHaveLength(1);
    expect([...messages][0]).toMatch(/give a folder inside the import root.*IMPORT_ROOTS/);
    expect(dataOf(await t.gql(`{ cases { name } }`)).cases.map((c: { name: string }) => c.name)).toEqual(["good/Patient_1"]);
  });

  test("a file linked from outside the root, a file that is not JSON, a wrong shape: named, content not quoted", async () => {
    const linked = await importFolder("file-link");
    expect(linked.errors?.[0].message).toMatch(/file-link\/Patient_1\/transcript\.json links outside the folder imported/);
    const broken = await importFolder("broken");
    expect(broken.errors?.[0]).toMatchObject({
      message: "broken/Patient_1/transcript.json is not valid JSON",
      extensions: { code: "BAD_USER_INPUT" },
    });
    const shape = await importFolder("wrong-shape");
    expect(shape.errors?.[0].message).toMatch(
      /wrong-shape\/Patient_1\/transcript\.json does not have the existing tool's format/,
    );
    expect(shape.errors?.[0].extensions?.problems).toBeUndefined();
  });
});
