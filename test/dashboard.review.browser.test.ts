/**
 * The reviewer's and the operator's dashboard in headless Chromium (playwright-core): a reviewer
 * makes a case eligible, failed grades show with their errors, the results page fills in during a
 * run, and the page recovers from a server restart. Screenshots go to test-output/.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf } from "./support/app";
import { openBrowserPage, SCREENSHOTS } from "./support/browser";
import { seedExperiment, startRun, waitForRunEnd } from "./support/experiment";
import { REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";
import { makeRestartableApp, type RestartableApp } from "./support/restartable-app";

const [ANA, BEN] = REVIEWERS;

jest.setTimeout(60_000);

describe("dashboard: review, failures, live results, restarts", () => {
  let fake: FakeLlmServer;
  let server: RestartableApp;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 12, logBodies: false });
    server = await makeRestartableApp({
      LLM_TRANSPORT_RETRIES: "0",
      LLM_BACKOFF_BASE_MS: "1",
      LLM_BACKOFF_MAX_MS: "2",
      PROGRESS_THROTTLE_MS: "50",
      SHUTDOWN_GRACE_MS: "2000",
    });
    origin = new URL(server.url).origin;
    ({ browser, page, pageErrors } = await openBrowserPage({ width: 1400, height: 900 }, "script"));
    // The login URL the server prints sets the session cookie for every page after it.
    await page.goto(`${origin}/login?token=${server.token}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await fake?.close();
  });
  afterEach(() => expect(pageErrors.splice(0)).toEqual([]));

  test("a reviewer accepts the LLM's rubric, a second one edits it, and the page says at once that the case is eligible", async () => {
    const caseId = dataOf(
      await server.gql(
        `mutation($t: JSON!, $c: JSON!) { importCase(input: {name: "browser-review", transcript: $t, limitedChart: $c}) { id } }`,
        {
          t: TRANSCRIPT,
          c: { current_medications: [{ label: "lisinopril 10 mg daily" }], allergies: [] },
        },
      ),
    ).importCase.id as number;
    dataOf(
      await server.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: RUBRIC,
      }),
    );

    await page.goto(`${origin}/#/review`);
    await page.getByRole("link", { name: "browser-review" }).click();
    await page.waitForSelector("text=lisinopril 10 mg daily"); // the chart beside the transcript and the rubrics
    await page.waitForSelector("text=My blood pressure pills make me dizzy");
    expect(await page.getAttribute("#eligibility", "data-eligible")).toBe("false");

    await page.fill("#reviewer", ANA);
    await page.locator("[data-testid=rubric]").first().locator("[data-action=accept]").click();
    await page.waitForSelector("#eligibility:has-text('1 of 2 human reviewers')");

    await page.fill("#reviewer", BEN);
    const llmRubric = page.locator("[data-testid=rubric]").first();
    await llmRubric.locator("[data-action=edit]").click();
    await llmRubric.locator(".criterion-weight").nth(2).fill("15");
    await llmRubric.locator("[data-action=save-edit]").click();
    await page.waitForSelector("#eligibility[data-eligible=true]");
    expect(await page.locator("[data-testid=rubric]").count()).toBe(3);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-review.png"), fullPage: true });

    const { case: kase } = dataOf(
      await server.gql(`query($c: Int!) { case(id: $c) { eligible rubrics { author parentRubricId rubric { weight } } } }`, {
        c: caseId,
      }),
    );
    expect(kase.eligible).toBe(true);
    expect(kase.rubrics.find((r: { author: string }) => r.author === BEN).rubric[2].weight).toBe(15);
    await page.goto(`${origin}/#/review`);
    // The case page's heading also holds "Rubric review" (a link back, then the case name): wait for
    // the queue's own heading, whose whole text is that, so the old page is gone before counting.
    await page.waitForSelector("h1:text-is('Rubric review')");
    expect(await page.locator("text=browser-review").count()).toBe(0);
  });

  test("failed grades are visible with their errors: run list, events after the run, failed-grades filter, note page", async () => {
    const { experimentId } = await seedExperiment(server.asTestApp(), fake, { name: "browser-failing", cases: 2 });
    fake.addFault({ match: { model: "grade-anthropic" }, fault: "500", every: 2 });
    try {
      const run = await startRun(server.asTestApp(), experimentId, "workers: 2, maxAttempts: 1");
      expect(await waitForRunEnd(server.asTestApp(), run.id)).toBe("finished");
    } finally {
      fake.reset();
    }
    await page.goto(`${origin}/#/experiments/${experimentId}`);
    await page.waitForSelector("[data-testid=run-failed]:has-text('0 notes, 2 grades')");
    await page.waitForSelector("#events li.failed:has-text('grade_failed')"); // read back after the run
    expect(await page.locator("#events li.failed .error").first().textContent()).toMatch(/500|server error/i);

    await page.click("text=see the failures");
    await page.waitForSelector("#failed-grades-only:checked");
    // One row per note with a failed grade: the two failed grades (every second grade of one
    // grader) fall on one note or on two, as the workers happen to order them.
    const { experimentResults } = dataOf(
      await server.gql(`query($e: Int!) { experimentResults(experimentId: $e, failedGrades: true) { totalCount } }`, {
        e: experimentId,
      }),
    );
    expect([1, 2]).toContain(experimentResults.totalCount);
    await page.waitForFunction(
      (n) => (globalThis as any).document.querySelectorAll("[data-testid=result-row]").length === n,
      experimentResults.totalCount,
    );
    await page.locator("[data-testid=result-row] a").first().click();
    await page.waitForSelector("[data-testid=job-state][data-status=failed]");
    expect(await page.locator("[data-testid=job-state][data-status=failed] .attempt-errors").first().textContent()).toMatch(
      /attempt 1.*(500|server error)/i,
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-failed-grade.png"), fullPage: true });
  });

  test("the results page fills in during a run without a reload; its axis ticks are round", async () => {
    const { experimentId } = await seedExperiment(server.asTestApp(), fake, {
      name: "browser-live",
      cases: 3,
      noteReplications: 2,
    });
    fake.setLatency(60);
    try {
      await page.goto(`${origin}/#/experiments/${experimentId}/results`);
      await page.waitForSelector("#result-count:has-text('0 note(s)')");
      await page.evaluate(() => ((globalThis as any).__sameDocument = true));
      await startRun(server.asTestApp(), experimentId, "workers: 2, maxAttempts: 2");
      // 3 cases × 2 replications = 6 notes, each graded against 2 reviewers' rubrics: 12 dots in the end.
      await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("[data-testid=result-row]").length > 0);
      await page.waitForFunction(
        () => (globalThis as any).document.querySelectorAll("#chart svg circle").length === 12,
        undefined,
        {
          timeout: 30_000,
        },
      );
    } finally {
      fake.setLatency(0);
    }
    expect(await page.evaluate(() => (globalThis as any).__sameDocument)).toBe(true);
    const ticks = await page.locator("#chart svg text.tick").allTextContents();
    expect(ticks.length).toBeGreaterThan(2);
    const steps = new Set(
      ticks
        .map(Number)
        .slice(1)
        .map((v, i) => v - Number(ticks[i])),
    );
    expect(steps.size).toBe(1);
    expect([1, 2, 5, 10, 20, 50]).toContain([...steps][0]);
  });

  test("after a server restart the page reconnects by itself and the progress bars move on", async () => {
    const { experimentId } = await seedExperiment(server.asTestApp(), fake, {
      name: "browser-restart",
      cases: 4,
      noteReplications: 3,
    });
    fake.setLatency(80);
    try {
      await page.goto(`${origin}/#/experiments/${experimentId}`);
      await page.waitForSelector("#connection[data-state=connected]");
      await startRun(server.asTestApp(), experimentId, "workers: 2, maxAttempts: 2");
      const finished = () => page.getAttribute("[data-testid=notes-progress]", "data-finished").then(Number);
      await page.waitForFunction(
        () => Number((globalThis as any).document.querySelector("[data-testid=notes-progress]")?.dataset.finished) >= 2,
      );
      await server.stop();
      await page.waitForSelector("#connection[data-state=reconnecting]");
      const atRestart = await finished();
      expect(atRestart).toBeLessThan(12);
      fake.setLatency(150);
      await server.start();
      await page.waitForSelector("#connection[data-state=reconnected]");
      // Progress moves again on the same page, then the run ends there.
      await page.waitForFunction(
        (n) => Number((globalThis as any).document.querySelector("[data-testid=notes-progress]")?.dataset.finished) > n,
        atRestart,
        { timeout: 30_000 },
      );
      await page.waitForSelector("#progress[data-run-status=finished]", { timeout: 30_000 });
      expect(await finished()).toBe(12);
    } finally {
      fake.setLatency(0);
    }
  });
});
