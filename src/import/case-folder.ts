/**
 * Reads cases in the existing tool's folder format: one folder per case holding transcript.json,
 * limited_chart.json, rubric.json, profile.json and spec.json. The rubric is an LLM's, not validated.
 */
import fs from "node:fs/promises";
import path from "node:path";

export interface CaseFolder {
  /** `<collection>/<folder>`, e.g. med-management/Patient_1, so the name says where it came from. */
  name: string;
  transcript: unknown;
  limitedChart: unknown;
  profile: string;
  spec: unknown;
  rubric: unknown | undefined;
}

async function readJson(file: string): Promise<unknown | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${file}: ${(error as Error).message}`);
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
export async function readCaseFolders(root: string): Promise<CaseFolder[]> {
  const collection = path.basename(path.resolve(root));
  const entries = await fs.readdir(root, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const cases: CaseFolder[] = [];
  for (const folder of folders) {
    const dir = path.join(root, folder);
    const transcript = await readJson(path.join(dir, "transcript.json"));
    if (transcript === undefined) continue; // not a case folder
    cases.push({
      name: `${collection}/${folder}`,
      transcript,
      limitedChart: (await readJson(path.join(dir, "limited_chart.json"))) ?? {},
      profile: profileText(await readJson(path.join(dir, "profile.json"))),
      spec: (await readJson(path.join(dir, "spec.json"))) ?? {},
      rubric: await readJson(path.join(dir, "rubric.json")),
    });
  }
  return cases;
}
