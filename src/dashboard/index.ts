/**
 * The dashboard at `/`: static files (plain HTML, CSS and small ES modules, no build step) and the
 * graphql-ws browser client from node_modules, so the page works offline. It talks to /graphql like
 * any client: fetch for queries and mutations, graphql-ws for the live progress.
 */
import fs from "node:fs";
import path from "node:path";
import express, { type Express } from "express";

/** URL of the graphql-ws UMD build (global `graphqlWs`). */
export const DASHBOARD_VENDOR_PATH = "/dashboard/vendor";

/** src/dashboard/public from source (ts-node, jest) and from dist/src/dashboard (tsc copies no assets). */
export function dashboardPublicDir(): string {
  const here = path.join(__dirname, "public");
  if (fs.existsSync(here)) return here;
  return path.resolve(__dirname, "../../../src/dashboard/public");
}

function graphqlWsUmd(): string {
  return path.join(path.dirname(require.resolve("graphql-ws/package.json")), "umd", "graphql-ws.min.js");
}

export function mountDashboard(app: Express): void {
  const umd = graphqlWsUmd();
  app.get(`${DASHBOARD_VENDOR_PATH}/graphql-ws.min.js`, (_req, res, next) => {
    res.sendFile(umd, { maxAge: 24 * 60 * 60 * 1000, headers: { "Content-Type": "text/javascript; charset=utf-8" } }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  });
  // Observable Plot and d3 (UMD builds, globals Plot and d3) for the summary and comparison charts.
  const plotFiles: Record<string, string> = {
    // neither package exports its package.json: d3 resolves to dist/d3.mjs, Plot to src/index.js
    "d3.min.js": path.join(path.dirname(require.resolve("d3")), "d3.min.js"),
    "plot.umd.min.js": path.resolve(path.dirname(require.resolve("@observablehq/plot")), "..", "dist", "plot.umd.min.js"),
  };
  for (const [name, file] of Object.entries(plotFiles)) {
    app.get(`${DASHBOARD_VENDOR_PATH}/${name}`, (_req, res, next) => {
      res.sendFile(
        file,
        { maxAge: 24 * 60 * 60 * 1000, headers: { "Content-Type": "text/javascript; charset=utf-8" } },
        (error) => {
          if (error && !res.headersSent) next(error);
        },
      );
    });
  }
  // no-cache: the files change with the checkout, and they are small.
  app.use(
    "/",
    express.static(dashboardPublicDir(), { index: "index.html", setHeaders: (res) => res.set("Cache-Control", "no-cache") }),
  );
}
