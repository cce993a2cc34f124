/**
 * Debian's headless Chromium for the dashboard tests (playwright-core), launched one way for all of
 * them: offline flags, a page whose script errors are collected, and the folder for screenshots.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SCREENSHOTS = path.resolve(__dirname, "..", "..", "test-output");

/**
 * What counts as an error of the page: uncaught script errors only ("script"), or also what it logs
 * with console.error ("script-and-console"; a test that restarts the server expects logged network
 * errors and uses "script").
 */
export type PageErrorKinds = "script" | "script-and-console";

export interface BrowserPage {
  browser: Browser;
  page: Page;
  /** The page's errors so far; tests expect it empty (splice it to start again). */
  pageErrors: string[];
}

export async function openBrowserPage(viewport: { width: number; height: number }, errors: PageErrorKinds): Promise<BrowserPage> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm test does it as root: scripts/ensure-chromium.sh)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  if (errors === "script-and-console") {
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  }
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return { browser, page, pageErrors };
}
