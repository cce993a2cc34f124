/**
 * Reads cases in the existing tool's folder format: one folder per case holding transcript.json,
 * limited_chart.json, rubric.json, profile.json and spec.json. The rubric is an LLM's, not validated.
 * Symlinked case folders are skipped and symlinked files must stay inside the folder read, so a
 * confined import (confine.ts) cannot be led outside its root. Errors name the file, never its content.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { CAPS } from "../limits/caps";
import { isInside } from "./confine";

export interface CaseFolder {
  /** `<collection>/<folder>`, e.g. med-management/Patient_1, so the name says where it came from. */
  name: string;
  transcript: unknown;
  limitedChart: unknown;
  profile: string;
  spec: unknown;
  rubric: unknown | undefined;
}

export class CaseFolderError extends Error {}

async function readJson(file: string, root: string): Promise<unknown | undefined> {
  const shown = path.relative(path.dirname(root), file);
  let text: string;
  try {
    if (!isInside(await fs.realpath(file), root)) throw new CaseFolderError(`${shown} links outside the folder imported`);
    // Checked before reading: a huge file would be read whole into memory before any other cap applies.
    if ((await fs.stat(file)).size > CAPS.transcriptBytes) {
      throw new CaseFolderError(`${shown} is larger than allowed (limit transcriptBytes = ${CAPS.transcriptBytes} bytes)`);
    }
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (error instanceof CaseFolderError) throw error;
    throw new CaseFolderError(`${shown} could not be read`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the fault: the file's content stays on the server.
    throw new CaseFolderError(`${shown} is not valid JSON`);
  }
}

/** profile.json holds {"Patient N": "one paragraph"}; older cases hold the paragraph itself. */
function profileText(profile: unknown): string {
  if (typeof profile === "string") return profile;
  if (profile && typeof profile === "object")
    return Object.values(profile)
      .filter((v) => typeof v === "string")
      .join("\n");
  return "";
}

/** The case folders under `root`, in natural order (Patient_2 before Patient_10). */
export async function readCaseFolders(folder: string): Promise<CaseFolder[]> {
  const root = await fs.realpath(folder);
  const collection = path.basename(root);
  const entries = await fs.readdir(root, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const cases: CaseFolder[] = [];
  for (const folder of folders) {
    const dir = path.join(root, folder);
    const transcript = await readJson(path.join(dir, "transcript.json"), root);
    if (transcript === undefined) continue; // not a case folder
    cases.push({
      name: `${collection}/${folder}`,
      transcript,
      limitedChart: (await readJson(path.join(dir, "limited_chart.json"), root)) ?? {},
      profile: profileText(await readJson(path.join(dir, "profile.json"), root)),
      spec: (await readJson(path.join(dir, "spec.json"), root)) ?? {},
      rubric: await readJson(path.join(dir, "rubric.json"), root),
    });
  }
  return cases;
}
