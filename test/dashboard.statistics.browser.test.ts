/**
 * The summary and comparison pages in headless Chromium (as test/dashboard.browser.test.ts): the
 * forest plot and variance split drawn by Observable Plot served from node_modules, the figures of
 * experimentSummary on the page, and a comparison of two combinations with its per-case plot.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { openBrowserPage, SCREENSHOTS } from "./support/browser";
import { seedExperiment, startRun, TWO_COMBINATIONS, waitForRunEnd, type SeededExperiment } from "./support/experiment";

describe("statistics pages in headless Chromium", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let seeded: SeededExperiment;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 13, logBodies: false });
    t = await startTestApp({ LLM_BACKOFF_BASE_MS: "1", LLM_BACKOFF_MAX_MS: "5" });
    seeded = await seedExperiment(t, fake, {
      name: "stats-page",
      cases: 4,
      gradeReplications: 2,
      combinations: TWO_COMBINATIONS,
    });
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    ({ browser, page, pageErrors } = await openBrowserPage({ width: 1280, height: 900 }, "script-and-console"));
    // Offline: the page may reach nothing but the server itself.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await fake?.close();
  });

  test("the summary page draws the forest plot and shows the means, variance split, agreement and worst criteria", async () => {
    const origin = new URL(t.app.server.url).origin;
    // The login URL sets the session cookie, then lands on the experiment.
    await page.goto(`${origin}/login?token=${t.adminToken}&next=${encodeURIComponent(`/#/experiments/${seeded.experimentId}`)}`);
    await page.click("text=Summary: means, CIs, agreement");
    await page.waitForSelector("svg.forest-plot");
    // one CI rule and one dot per combination
    expect(await page.locator("svg.forest-plot circle").count()).toBe(2);
    expect(await page.locator("svg.forest-plot line").count()).toBeGreaterThanOrEqual(2);
    const { experimentSummary } = dataOf(
      await t.gql(`query($e: Int!) { experimentSummary(experimentId: $e) { arms { score { mean lo hi } } } }`, {
        e: seeded.experimentId,
      }),
    );
    const a = experimentSummary.arms[0].score;
    await page.waitForSelector(`text=${a.mean.toFixed(2)} [${a.lo.toFixed(2)}, ${a.hi.toFixed(2)}]`);
    expect(await page.locator("text=Where the variance comes from").count()).toBe(1);
    expect(await page.locator("ul.implications li").count()).toBe(2);
    expect(await page.locator("text=Krippendorff's alpha").count()).toBe(1);
    expect(await page.locator("tr.worst-criterion").count()).toBe(10); // 5 per combination
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-summary.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  test("the comparison page pairs two combinations case by case and lists the criteria that moved", async () => {
    await page.click("text=Compare two arms");
    await page.waitForSelector("svg.paired-plot");
    expect(await page.locator("svg.paired-plot circle").count()).toBe(4); // one dot per matched case
    const figures = await page.locator(".comparison-figures").innerText();
    expect(figures).toMatch(/^4 matched cases \(dropped: 0 only in the arm, 0 only in the baseline\)\. Mean difference /);
    expect(figures).toMatch(/10000 resamples, seed \d+/);
    expect(await page.locator("tr.criterion-move").count()).toBe(10);
    // choosing arms from the form swaps them
    const [c1, c2] = seeded.combinationIds;
    await page.selectOption("select[name=baseline]", `${seeded.experimentId}:${c2}@100`);
    await page.selectOption("select[name=arm]", `${seeded.experimentId}:${c1}@100`);
    await page.click("button:text('Compare')");
    await page.waitForFunction(
      (hash) => (globalThis as any).location.hash === hash,
      `#/compare?arms=${seeded.experimentId}:${c2}@100,${seeded.experimentId}:${c1}@100`,
    );
    await page.waitForSelector("svg.paired-plot");
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-compare.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
