/**
 * The dashboard in a real browser: Debian's headless Chromium driven by playwright-core. Starts a run
 * from the page against the fake vendor server, watches the progress bars reach the end over the
 * subscription, checks the results table and chart, and saves screenshots under test-output/.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { openBrowserPage, SCREENSHOTS } from "./support/browser";
import { RUBRIC } from "./support/fixtures";
import { seedExperiment, TWO_COMBINATIONS } from "./support/experiment";

/** Runs the IDE's current tab and returns the result once it names `field`. */
async function runInIde(page: Page, field: string): Promise<string> {
  await page.locator(".graphiql-execute-button").click();
  await page.waitForSelector(`.result-window:has-text('"${field}"'), .result-window:has-text('"errors"')`);
  return page.locator(".result-window").innerText();
}

describe("dashboard in headless Chromium", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 11, logBodies: false, latencyMs: 30 });
    t = await startTestApp({
      LLM_BACKOFF_BASE_MS: "1",
      LLM_BACKOFF_MAX_MS: "5",
      LLM_TRANSPORT_RETRIES: "0",
      PROGRESS_THROTTLE_MS: "50",
    });
    ({ browser, page, pageErrors } = await openBrowserPage({ width: 1280, height: 900 }, "script-and-console"));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await fake?.close();
  });

  test("a run started from the page fills the progress bars to the end; results and chart follow", async () => {
    // 3 cases × 2 combinations × 2 note replications = 12 notes; × 2 reviewers' rubrics = 24 grades.
    const seeded = await seedExperiment(t, fake, {
      name: "dashboard-demo",
      cases: 3,
      noteReplications: 2,
      combinations: TWO_COMBINATIONS,
    });
    const origin = new URL(t.app.server.url).origin;

    // The login URL the server prints: it sets the HttpOnly cookie and lands on the dashboard.
    await page.goto(`${origin}/login?token=${t.adminToken}`);
    expect(new URL(page.url()).pathname).toBe("/");
    await page.getByRole("link", { name: "dashboard-demo" }).click();
    await page.waitForSelector("[data-testid=notes-progress]");
    // The settings name the generator under test and its resolved commit (builtin: none).
    expect(await page.locator("text=resolved commit").count()).toBe(1);
    expect(await page.locator(".kv", { hasText: "generator version" }).innerText()).toMatch(/generator version\s+\S+/);
    expect(await page.locator(".kv", { hasText: "not pinned" }).count()).toBe(1);
    // The estimate of a start: 12 notes, 24 grades; the fake models have no price, so its total is unknown.
    await page.waitForSelector("[data-testid=estimate-total]");
    expect(await page.innerText("[data-testid=estimate-total]")).toBe("unknown");
    expect(await page.innerText("#estimate")).toContain("12 notes, 24 grades");
    expect(await page.innerText("#estimate")).toContain("Unpriced (no price configured, cost unknown): anthropic/gen-anthropic");
    // A budget needs prices: the page says so and starts nothing.
    await page.fill("#budget-usd", "1");
    await page.click("#start-run");
    await page.waitForSelector("text=A budget needs a price for every model of the run");
    await page.fill("#budget-usd", "");
    await page.fill("#workers", "4");
    await page.click("#start-run");

    await page.waitForFunction(
      () => {
        const done = (name: string) => {
          const row = (globalThis as any).document.querySelector(`[data-testid=${name}-progress]`);
          return !!row && Number(row.dataset.expected) > 0 && row.dataset.finished === row.dataset.expected;
        };
        return (
          done("notes") &&
          done("grades") &&
          (globalThis as any).document.getElementById("progress")?.dataset.runStatus === "finished"
        );
      },
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.getAttribute("[data-testid=notes-progress]", "data-expected")).toBe("12");
    expect(await page.getAttribute("[data-testid=grades-progress]", "data-finished")).toBe("24");
    expect(await page.getAttribute("[data-testid=grades-progress]", "data-failed")).toBe("0");
    await page.waitForSelector("#events li");
    await page.waitForFunction(() => (globalThis as any).document.querySelector("#start-run:not([disabled])") !== null);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard.png"), fullPage: true });

    // Results: every note with its scores, a strip of 24 grade dots, a filter per combination.
    await page.click("text=Results and score chart");
    await page.waitForSelector("[data-testid=result-row]");
    expect(await page.locator("[data-testid=result-row]").count()).toBe(12);
    expect(await page.locator("#chart svg circle").count()).toBe(24);
    await page.selectOption("#combination", String(seeded.combinationIds[0]));
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("[data-testid=result-row]").length === 6);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-results.png"), fullPage: true });
    await page.check("#failed-only");
    await page.waitForSelector("text=0 note(s)");

    // A note's page: the note and, per criterion, satisfaction, score and rationale.
    await page.uncheck("#failed-only");
    await page.waitForSelector("[data-testid=result-row] a");
    await page.locator("[data-testid=result-row] a").first().click();
    await page.waitForSelector("text=Satisfaction");
    expect(await page.locator("text=Reward for the plan to take lisinopril in the evening").count()).toBeGreaterThan(0);
    // Its provenance: generator, prompt version, the model used.
    const provenance = await page.locator("[data-testid=provenance]").innerText();
    expect(provenance).toMatch(/generator\s+builtin \(builtin\)/);
    expect(provenance).toMatch(/prompt\s+note-v1/);
    expect(provenance).toMatch(/model used\s+\w+\//);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-note.png"), fullPage: true });

    expect(pageErrors).toEqual([]);
  });

  test("an experiment page warns in plain words about a model near its end of life", async () => {
    const { experimentId } = await seedExperiment(t, fake, {
      name: "dashboard-deprecated",
      cases: 1,
      combinations: [{ generator: ["anthropic", "claude-sonnet-4-5-20250929"], grader: ["openai", "gen-openai"] }],
    });
    const origin = new URL(t.app.server.url).origin;
    await page.goto(`${origin}/#/experiments/${experimentId}`);
    const warning = page.locator("[data-testid=model-warnings]");
    await warning.waitFor();
    expect(await warning.innerText()).toMatch(
      /A model needs attention\s+anthropic\/claude-sonnet-4-5-20250929: claude-sonnet-4-5-20250929 .*end of life on 2026-11-30/,
    );
    expect(pageErrors).toEqual([]);
  });

  test("the GraphQL IDE runs a query and a subscription under the server's Content-Security-Policy", async () => {
    const { experimentId } = await seedExperiment(t, fake, { name: "ide-in-browser", cases: 1 });
    const origin = new URL(t.app.server.url).origin;
    const ide = await page.goto(`${origin}/login?token=${t.adminToken}&next=/graphql`);
    expect(ide?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.locator(".graphiql-tab", { hasText: "EligibleCases" }).click();
    expect(await runInIde(page, "eligibleCases")).toContain('"eligibleCases"');

    // A new tab with a subscription, typed in.
    await page.locator(".graphiql-tab-add").click();
    await page.locator(".graphiql-query-editor").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(
      `subscription IdeProgress { experimentProgress(experimentId: ${experimentId}) { notes { expected } } }`,
    );
    await page.waitForSelector(".graphiql-tab:has-text('IdeProgress')");
    expect(await runInIde(page, "experimentProgress")).toMatch(/"expected":\s*\d+/);
    // Script errors and CSP refusals ("Refused to load/execute ...") are console errors.
    expect(pageErrors).toEqual([]);
  });

  test("a reviewer whose token is bound finds their email filled in, and fixed, on a case's review page", async () => {
    const caseId = dataOf(await t.gql(`mutation { importCase(input: {name: "bound-reviewer", transcript: []}) { id } }`))
      .importCase.id;
    const rubricId = dataOf(
      await t.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: RUBRIC,
      }),
    ).addRubric.id;
    const ana = await t.makeToken("reviewer", "ana in the browser");
    const accepted = await t.gqlAs(
      ana,
      `mutation { acceptRubric(input: {rubricId: ${rubricId}, reviewer: "ana@browser.example"}) { eligible } }`,
    );
    expect(accepted.errors).toBeUndefined();

    const origin = new URL(t.app.server.url).origin;
    await page.goto(`${origin}/login?token=${ana}&next=${encodeURIComponent(`/#/cases/${caseId}`)}`);
    await page.waitForSelector("#reviewer[readonly]");
    expect(await page.locator("#reviewer").inputValue()).toBe("ana@browser.example");
    expect(pageErrors).toEqual([]);
    await page.goto(`${origin}/login?token=${t.adminToken}`); // the page is the admin's again
  });
});
