/**
 * The dashboard's models page in headless Chromium against a real server and the fake vendor: one
 * row per model as the server resolves it, a deprecated model's warning, Check asking the vendor
 * (ok, and the vendor's refusal of a key), a viewer told that checking needs another role, and no
 * key anywhere in what the browser received; an admin adds a model and sets a vendor's key from the
 * page. Screenshots: test-output/dashboard-models*.png.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { openBrowserPage, SCREENSHOTS } from "./support/browser";

const GOOD_KEY = "sk-models-page-SECRET-good-1";
const REFUSED_KEY = "sk-models-page-SECRET-refused-2";
const ADDED_KEY = "sk-models-page-SECRET-added-3";
const VENDOR_KEY = "sk-models-page-SECRET-vendor-4";

describe("dashboard: the models page", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let pageErrors: string[] = [];
  /** Every body the page received from /graphql: none may hold a key. */
  const received: Promise<string>[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 31, logBodies: false });
    // The server's own endpoints are the fake's too: a model without a base URL never reaches a real vendor.
    t = await startTestApp({ OPENAI_BASE_URL: fake.openaiBaseUrl, ANTHROPIC_BASE_URL: fake.anthropicBaseUrl });
    origin = new URL(t.app.server.url).origin;
    ({ browser, page, pageErrors } = await openBrowserPage({ width: 1400, height: 700 }, "script-and-console"));
    page.on("response", (response) => {
      if (response.url().endsWith("/graphql")) received.push(response.text().catch(() => ""));
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await fake?.close();
  });
  afterEach(() => expect(pageErrors.splice(0)).toEqual([]));

  async function createModel(vendor: "openai" | "anthropic", model: string, apiKey: string): Promise<number> {
    const baseUrl = vendor === "openai" ? fake.openaiBaseUrl : fake.anthropicBaseUrl;
    return dataOf(
      await t.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { vendor, model, apiKey, baseUrl } }),
    ).createModel.id;
  }
  /**
   * Logs in with the login URL (it lands on the experiments list) and follows the nav link at once,
   * as an impatient user does, with the list's answer held back until the models page is drawn: the
   * list arriving late must not stay drawn over the models page.
   */
  async function openModelsPage(token: string): Promise<void> {
    // The list's query answers only once the models page has drawn itself.
    let modelsDrawn!: () => void;
    const held = new Promise<void>((resolve) => (modelsDrawn = resolve));
    await page.route("**/graphql", async (route) => {
      if (route.request().postData()?.includes("experiments {")) await held;
      await route.continue();
    });
    try {
      await page.goto(`${origin}/login?token=${token}`);
      await page.getByRole("navigation").getByRole("link", { name: "Models" }).click();
      await page.locator("#models-title").waitFor();
      // Released, the list draws over the models page; the router sees it and draws the models again.
      const redrawn = page.waitForResponse((r) => !!r.request().postData()?.includes("me { name role }"));
      modelsDrawn();
      await redrawn;
      await page.locator("#models-title").waitFor();
    } finally {
      modelsDrawn();
      await page.unroute("**/graphql");
    }
  }
  /** Neither the page nor any answer it received holds a key (every key of this file has SECRET in it). */
  async function expectNoKeyReceived(): Promise<void> {
    const seen = [await page.content(), ...(await Promise.all(received))].join("\n");
    expect(seen).toContain("exists and the key works"); // the answers were captured
    expect(seen).not.toContain("SECRET");
  }
  const row = (id: number) => page.locator(`[data-testid=model-row][data-model-id="${id}"]`);

  test("lists every model with its warning and price; Check says ok for a good key and the vendor's refusal for a refused one", async () => {
    const good = await createModel("openai", "gpt-4.1", GOOD_KEY);
    const deprecated = await createModel("anthropic", "claude-sonnet-4-5-20250929", GOOD_KEY);
    const refused = await createModel("openai", "gen-openai", REFUSED_KEY);
    fake.setKeys({ refused: [REFUSED_KEY] });

    await openModelsPage(t.adminToken);
    // The page's own rows (no other page has them), all three at once.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("[data-testid=model-row]").length === 3);

    expect(await row(good).innerText()).toMatch(
      /openai\s+gpt-4\.1\s+gpt-4\.1\s+http:\/\/127\.0\.0\.1:\d+\S*\s+set\s+\$2 \/ \$8\s/,
    );
    expect(await row(refused).innerText()).toContain("unpriced");
    expect(await row(good).getByTestId("lifecycle").innerText()).toBe("no end of life known");
    expect(await row(deprecated).getByTestId("deprecation").innerText()).toMatch(
      /^claude-sonnet-4-5-20250929 .*end of life on 2026-11-30\b.*choose a newer model$/,
    );

    await row(good).locator("[data-action=check]").click();
    await row(refused).locator("[data-action=check]").click();
    await row(good).locator(".check-answer[data-status]").waitFor();
    await row(refused).locator(".check-answer[data-status]").waitFor();
    expect(await row(good).locator(".check-answer").getAttribute("data-status")).toBe("ok");
    expect(await row(good).locator(".check-answer").innerText()).toBe("gpt-4.1 exists and the key works.");
    expect(await row(refused).locator(".check-answer").getAttribute("data-status")).toBe("key_refused");
    expect(await row(refused).locator(".check-answer").innerText()).toBe("openai refused the key (HTTP 401): check the key.");
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-models.png"), fullPage: true });
    await expectNoKeyReceived();
  });

  test("an admin adds a model and sets a vendor's key from the page: both work, and the key fields are emptied", async () => {
    await page.selectOption("#add-model-vendor", "openai");
    await page.fill("#add-model-name", "gpt-4.1-mini");
    await page.fill("#add-model-base-url", fake.openaiBaseUrl);
    await page.fill("#add-model-key", ADDED_KEY);
    await page.click("#add-model button[type=submit]");
    await page.locator("#add-model .form-message.ok").waitFor();
    expect(await page.innerText("#add-model .form-message")).toMatch(/^Added model \d+: openai\/gpt-4\.1-mini\.$/);
    expect(await page.inputValue("#add-model-key")).toBe("");

    await page.selectOption("#set-key-vendor", "anthropic");
    await page.fill("#set-key-key", VENDOR_KEY);
    await page.click("#set-key button[type=submit]");
    await page.locator("#set-key .form-message.ok").waitFor();
    expect(await page.innerText("#set-key .form-message")).toBe(
      "Key set for 1 anthropic model on the server's anthropic endpoint; the one with its own base URL kept its key.",
    );
    expect(await page.inputValue("#set-key-key")).toBe("");

    // The new rows (the vendor's key created anthropic's default model) ask the fake with the keys typed.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("[data-testid=model-row]").length === 5);
    const added = page.locator("[data-testid=model-row]", { hasText: "gpt-4.1-mini" });
    const vendorDefault = page.locator("[data-testid=model-row]", { hasText: "the server's setting" });
    await added.locator("[data-action=check]").click();
    await vendorDefault.locator("[data-action=check]").click();
    await added.locator(".check-answer[data-status]").waitFor();
    await vendorDefault.locator(".check-answer[data-status]").waitFor();
    expect(await added.locator(".check-answer").innerText()).toBe("gpt-4.1-mini exists and the key works.");
    expect(await vendorDefault.locator(".check-answer").innerText()).toMatch(/^claude-\S+ exists and the key works\./);
    await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-models-admin.png"), fullPage: true });
    await expectNoKeyReceived();
  });

  test("a viewer sees the models and is told that checking one needs the runner role", async () => {
    const viewer = await t.makeToken("viewer", "models-viewer");
    await openModelsPage(viewer);
    await page.getByTestId("check-needs-role").waitFor();
    expect(await page.getByTestId("check-needs-role").innerText()).toBe(
      'Checking a model needs the runner role; your token "models-viewer" has the viewer role. Ask an admin for a runner token.',
    );
    expect(await page.locator("[data-testid=model-row]").count()).toBe(5);
    expect(await page.locator("[data-action=check]:not([disabled])").count()).toBe(0);
    expect(await page.getByTestId("model-admin").count()).toBe(0);
    expect(await page.getByTestId("manage-needs-role").innerText()).toBe(
      "Adding a model or setting a key needs the admin role (your token has the viewer role).",
    );
  });
});
