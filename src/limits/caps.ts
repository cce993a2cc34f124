/**
 * Caps on every input the API accepts, in one place (docs/security.md lists them for users). They
 * keep one request from holding the server's memory or a run from planning billions of jobs. A
 * refusal is BAD_USER_INPUT whose message names the input and the cap, and `extensions.limit` names
 * the cap by its key here, so clients can react without parsing the message.
 */
import { badInput } from "../errors";

export const CAPS = {
  /** Names of cases, experiments and models, batch identifiers, generator versions, vendors. */
  nameChars: 200,
  /** A rubric author: "llm" or an email address (RFC 5321 allows 254; the margin is cheap). */
  authorChars: 320,
  /** Free text: a case's profile, a rubric's comments. */
  textChars: 20_000,
  /** A case's transcript and its limited chart, each as JSON (the shared cases are under 10 kB). */
  transcriptBytes: 1_000_000,
  chartBytes: 1_000_000,
  /** A case's tags, as JSON. */
  tagsBytes: 64_000,
  /** Criteria in one rubric, and characters in one criterion. */
  criteriaPerRubric: 200,
  criterionChars: 2_000,
  /** Ids in one call (addExperimentCases). */
  idsPerCall: 1_000,
  /** Replications per note and per grade, overlaps and cycle times per experiment. */
  noteReplications: 1_000,
  gradeReplications: 100,
  overlapsPerExperiment: 20,
  cycleTimesPerExperiment: 100,
  /** Words of overlap, the largest value of cycleTranscriptOverlaps and cycleTimes. */
  overlapWords: 1_000_000,
  /** Notes plus grades one run may plan (the benchmark's largest run plans 20,000). */
  jobsPerRun: 500_000,
  /** A vendor API key, a base URL, an import path. */
  apiKeyChars: 1_000,
  baseUrlChars: 2_048,
  pathChars: 4_096,
  /** Any single string anywhere in an operation's arguments or variables (a JSON field included). */
  stringChars: 1_000_000,
  /** Objects and lists nested in an operation's arguments or variables (a transcript needs 3). */
  jsonDepth: 32,
} as const;

export type CapName = keyof typeof CAPS;

/** BAD_USER_INPUT naming the input and the cap. */
export function capExceeded(cap: CapName, message: string) {
  return badInput(`${message} (limit ${cap} = ${CAPS[cap].toLocaleString("en-US")})`, { limit: cap, max: CAPS[cap] });
}

export function assertMaxChars(value: string | null | undefined, field: string, cap: CapName): void {
  if (value != null && value.length > CAPS[cap]) {
    throw capExceeded(cap, `${field} is ${value.length.toLocaleString("en-US")} characters, longer than allowed`);
  }
}

export function assertMaxItems(values: readonly unknown[] | null | undefined, field: string, cap: CapName): void {
  if (values != null && values.length > CAPS[cap]) {
    throw capExceeded(cap, `${field} holds ${values.length.toLocaleString("en-US")} items, more than allowed`);
  }
}

export function assertMaxValue(value: number, field: string, cap: CapName): void {
  if (value > CAPS[cap]) throw capExceeded(cap, `${field} is ${value.toLocaleString("en-US")}, more than allowed`);
}

/** The size of a JSON value as stored (UTF-8 bytes of its JSON text). */
export function assertMaxJsonBytes(value: unknown, field: string, cap: CapName): void {
  if (value === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  if (bytes > CAPS[cap]) throw capExceeded(cap, `${field} is ${bytes.toLocaleString("en-US")} bytes as JSON, more than allowed`);
}
