import { readCaseFolders } from "../import/case-folder";
import type { CaseService } from "./cases";

export interface ImportSummary {
  cases: number;
  rubrics: number;
  caseIds: number[];
}

/** Upserts every case of a folder and its LLM rubric (author `llm`, not evaluated); re-running adds nothing. */
export async function importCaseFolder(cases: CaseService, root: string, batchIdentifier?: string): Promise<ImportSummary> {
  const folders = await readCaseFolders(root);
  const caseIds: number[] = [];
  let rubrics = 0;
  for (const folder of folders) {
    const saved = await cases.importCase({
      name: folder.name,
      transcript: folder.transcript,
      limitedChart: folder.limitedChart,
      profile: folder.profile,
      batchIdentifier: batchIdentifier ?? folder.name.split("/")[0],
      tags: { spec: folder.spec },
    });
    caseIds.push(saved.id);
    if (folder.rubric !== undefined) {
      await cases.addLlmRubricOnce(saved.id, folder.rubric);
      rubrics++;
    }
  }
  return { cases: folders.length, rubrics, caseIds };
}
