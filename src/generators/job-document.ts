/** The job document a command's stdin or an http generator's POST body carries (the contract's input). */
import { CONTRACT_VERSION, type JobDocument, type NoteRequest } from "./types";

export function makeJobDocument(request: NoteRequest, commit: string | null): JobDocument {
  return {
    contract: CONTRACT_VERSION,
    case: request.case,
    cycle: { transcriptOverlap: request.overlap, time: request.cycleTime },
    replication: request.replication,
    attempt: request.attempt,
    experiment: {
      id: request.experiment.id,
      name: request.experiment.name,
      version: request.experiment.hyperscribeVersion,
      commit,
    },
    model: { vendor: request.model.vendor, name: request.modelName, baseUrl: request.model.baseUrl ?? null },
  };
}
