import fs from "node:fs/promises";
import pathOf from "node:path";
import { GraphQLError } from "graphql";
import { CaseFolderError, readCaseFolders, type CaseFolder } from "../import/case-folder";
import { confineImportPath, ImportPathRefused } from "../import/confine";
import { badInput } from "../errors";
import { assertMaxChars } from "../limits/caps";
import type { CaseService } from "./cases";

export interface ImportSummary {
  cases: number;
  rubrics: number;
  caseIds: number[];
  /** The folder that was read. */
  folder: string;
}

export interface ImportOptions {
  batchIdentifier?: string;
  /** Folders the import must stay inside (the API's IMPORT_ROOTS); unset for the operator's own scripts. */
  roots?: string[];
}

/**
 * A case folder whose transcript or rubric breaks the rules is named with the file, not with the
 * problems found in it: those quote the file's keys, and an import error must not show a file's content.
 */
function withoutContent(error: unknown, caseName: string, file: string): unknown {
  if (error instanceof GraphQLError && error.extensions.problems) {
    return badInput(`${caseName}/${file} does not have the existing tool's format; fix the file and import again`);
  }
  return error;
}

/**
 * The cases of a collection folder (one subfolder per case), or, when `root` holds no case folder
 * itself, of each collection under it (SHARED_DATA_DIR holds med-management/ and the like).
 */
async function readCollections(root: string): Promise<CaseFolder[]> {
  const direct = await readCaseFolders(root);
  if (direct.length > 0) return direct;
  const entries = await fs.readdir(root, { withFileTypes: true });
  const nested: CaseFolder[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    nested.push(...(await readCaseFolders(pathOf.join(root, entry.name))));
  }
  return nested;
}

/** Upserts every case of a folder and its LLM rubric (author `llm`, not evaluated); re-running adds nothing. */
export async function importCaseFolder(cases: CaseService, path: string, options: ImportOptions = {}): Promise<ImportSummary> {
  assertMaxChars(path, "path", "pathChars");
  let folders;
  let root: string;
  try {
    root = options.roots ? await confineImportPath(path, options.roots) : path;
    folders = await readCollections(root);
  } catch (error) {
    if (error instanceof ImportPathRefused || error instanceof CaseFolderError) throw badInput(error.message);
    throw error;
  }
  const caseIds: number[] = [];
  let rubrics = 0;
  for (const folder of folders) {
    const saved = await cases
      .importCase({
        name: folder.name,
        transcript: folder.transcript,
        limitedChart: folder.limitedChart,
        profile: folder.profile,
        batchIdentifier: options.batchIdentifier ?? folder.name.split("/")[0],
        tags: { spec: folder.spec },
      })
      .catch((error: unknown) => Promise.reject(withoutContent(error, folder.name, "transcript.json")));
    caseIds.push(saved.id);
    if (folder.rubric !== undefined) {
      await cases
        .addLlmRubricOnce(saved.id, folder.rubric)
        .catch((error: unknown) => Promise.reject(withoutContent(error, folder.name, "rubric.json")));
      rubrics++;
    }
  }
  return { cases: folders.length, rubrics, caseIds, folder: root };
}
