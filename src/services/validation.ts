/**
 * Checks of the JSON shapes the API accepts (transcripts, rubrics) and of small scalar inputs.
 * Each returns a message a person can act on, or throws BAD_USER_INPUT with it.
 */
import { badInput } from "../errors";
import { VENDORS, type Vendor } from "../config";
import { assertMaxChars, assertMaxItems } from "../limits/caps";

const MAX_SHOWN = 3;

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function turnProblems(turns: unknown, where: string): string[] {
  if (!Array.isArray(turns)) return [`${where} must be a list of {speaker, text} turns, received ${describe(turns)}`];
  const problems: string[] = [];
  turns.forEach((turn, i) => {
    const t = turn as { speaker?: unknown; text?: unknown };
    if (typeof turn !== "object" || turn === null || Array.isArray(turn)) {
      problems.push(`${where}[${i}] must be an object {speaker, text}`);
    } else if (typeof t.speaker !== "string" || t.speaker.trim() === "") {
      problems.push(`${where}[${i}].speaker must be a non-empty string`);
    } else if (typeof t.text !== "string") {
      problems.push(`${where}[${i}].text must be a string`);
    }
  });
  return problems;
}

/** A transcript is a list of turns, or an object of cycles each holding a list of turns. */
export function assertTranscript(transcript: unknown): void {
  let problems: string[];
  if (Array.isArray(transcript)) {
    problems = turnProblems(transcript, "transcript");
  } else if (typeof transcript === "object" && transcript !== null) {
    const cycles = Object.entries(transcript);
    problems =
      cycles.length === 0 ? ["transcript has no cycles"] : cycles.flatMap(([k, v]) => turnProblems(v, `transcript.${k}`));
  } else {
    problems = [`transcript must be a list of {speaker, text} turns or an object of cycles, received ${describe(transcript)}`];
  }
  if (problems.length > 0) throw badInput(summarise("Invalid transcript", problems), { problems });
}

/** A rubric is a non-empty list of {criterion, weight > 0, sense positive|negative}. */
export function assertRubric(rubric: unknown): void {
  if (Array.isArray(rubric)) {
    assertMaxItems(rubric, "rubric", "criteriaPerRubric");
    rubric.forEach((item, i) => {
      const criterion = (item as { criterion?: unknown } | null)?.criterion;
      if (typeof criterion === "string") assertMaxChars(criterion, `rubric[${i}].criterion`, "criterionChars");
    });
  }
  const problems: string[] = [];
  if (!Array.isArray(rubric) || rubric.length === 0) {
    problems.push(`rubric must be a non-empty list of {criterion, weight, sense}, received ${describe(rubric)}`);
  } else {
    rubric.forEach((item, i) => {
      const c = item as { criterion?: unknown; weight?: unknown; sense?: unknown };
      if (typeof item !== "object" || item === null) problems.push(`rubric[${i}] must be an object`);
      else {
        if (typeof c.criterion !== "string" || c.criterion.trim() === "")
          problems.push(`rubric[${i}].criterion must be a non-empty string`);
        if (typeof c.weight !== "number" || !Number.isFinite(c.weight) || c.weight <= 0)
          problems.push(`rubric[${i}].weight must be a number > 0`);
        if (c.sense !== "positive" && c.sense !== "negative")
          problems.push(`rubric[${i}].sense must be "positive" or "negative"`);
      }
    });
  }
  if (problems.length > 0) throw badInput(summarise("Invalid rubric", problems), { problems });
}

function summarise(title: string, problems: string[]): string {
  const shown = problems.slice(0, MAX_SHOWN).join("; ");
  const more = problems.length > MAX_SHOWN ? ` (and ${problems.length - MAX_SHOWN} more)` : "";
  return `${title}: ${shown}${more}`;
}

export function assertVendor(vendor: string): Vendor {
  assertMaxChars(vendor, "vendor", "nameChars");
  const found = VENDORS.find((v) => v === vendor);
  if (!found) throw badInput(`Unknown vendor "${vendor}": use one of ${VENDORS.join(", ")}`);
  return found;
}

/** Authors are `llm` or a human reviewer's email address (what eligibility counts as human). */
export function assertAuthor(author: string): void {
  assertMaxChars(author, "author", "authorChars");
  if (author === "llm") return;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(author)) {
    throw badInput(`Invalid author "${author}": use "llm" for a generated rubric or the reviewer's email address`);
  }
}

const defaultPort = (scheme: string) => (scheme === "https:" ? "443" : "80");

/** Whether `url` is on the allow-list: same scheme and host, and the entry's port (default or `*`). */
function allowed(url: URL, allowlist: readonly string[]): boolean {
  const port = url.port || defaultPort(url.protocol);
  return allowlist.some((entry) => {
    const allowedUrl = new URL(entry.replace(/:\*$/, ""));
    const anyPort = entry.endsWith(":*");
    return (
      allowedUrl.protocol === url.protocol &&
      allowedUrl.hostname === url.hostname &&
      (anyPort || (allowedUrl.port || defaultPort(allowedUrl.protocol)) === port)
    );
  });
}

/**
 * A model's key is sent to its baseUrl, so a baseUrl must be an absolute http(s) URL on the operator's
 * allow-list (BASE_URL_ALLOWLIST): otherwise any client could point a model at its own server and
 * receive the key with the first call.
 */
export function assertBaseUrl(baseUrl: string | null | undefined, allowlist: readonly string[]): void {
  if (baseUrl === null || baseUrl === undefined || baseUrl === "") return;
  assertMaxChars(baseUrl, "baseUrl", "baseUrlChars");
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw badInput(`Invalid baseUrl "${baseUrl}": give an absolute http(s) URL`);
  }
  if (url.username || url.password)
    throw badInput(`Invalid baseUrl: credentials do not belong in the URL; give the key as apiKey`);
  // The SDKs append their paths to the base URL, so a query would break every call; and a key put
  // there (?api-key=…) would be shown wherever the base URL is. The message does not repeat the URL.
  if (url.search || url.hash)
    throw badInput(`Invalid baseUrl: a base URL takes no query (?…) or fragment (#…); give the key as apiKey`);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badInput(`Invalid baseUrl "${baseUrl}": use http or https`);
  if (!allowed(url, allowlist)) {
    throw badInput(
      `baseUrl ${url.origin} is not on the allow-list (BASE_URL_ALLOWLIST: ${allowlist.join(", ")}): ` +
        `a model's key is sent to its base URL, so the server's operator decides where that may be`,
      { limit: "BASE_URL_ALLOWLIST" },
    );
  }
}
