/**
 * A GraphQL IDE (GraphiQL) on the GraphQL path for browsers, working offline: the page and its
 * assets come from this server. Queries and mutations go over HTTP, subscriptions over graphql-ws,
 * both on the same URL.
 */
import type { Express, NextFunction, Request, Response } from "express";
import { IDE_ASSETS_PATH, makeIdeAssets } from "./assets";
import { exampleTabs } from "./examples";
import { renderIdePage } from "./page";
import { IDE_START_SCRIPT, IDE_START_SCRIPT_SOURCE } from "./start-script";

export interface IdeOptions {
  /** Path of the GraphQL endpoint (HTTP and WebSocket), where the page is served too. */
  graphqlPath: string;
}

/** The package versions are fixed by the lockfile, so assets may be cached for a day. */
const ASSET_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * True for a browser opening the URL: it prefers HTML to JSON and sends no GraphQL operation.
 * A GET with a `query` parameter is a GraphQL request and stays Apollo's, whatever it accepts.
 */
function wantsIde(req: Request): boolean {
  if (req.query && typeof req.query === "object" && "query" in req.query) return false;
  return req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html";
}

export function mountIde(app: Express, options: IdeOptions): void {
  const assets = makeIdeAssets();
  const html = renderIdePage({ graphqlPath: options.graphqlPath, tabs: exampleTabs });

  app.get(options.graphqlPath, (req: Request, res: Response, next: NextFunction) => {
    if (!wantsIde(req)) return next();
    res.type("html").set("Cache-Control", "no-cache").send(html);
  });

  app.get(`${IDE_ASSETS_PATH}/${IDE_START_SCRIPT}`, (_req: Request, res: Response) => {
    res.type("text/javascript; charset=utf-8").set("Cache-Control", "no-cache").send(IDE_START_SCRIPT_SOURCE);
  });

  app.get(`${IDE_ASSETS_PATH}/:name`, (req: Request, res: Response, next: NextFunction) => {
    const asset = assets.get(String(req.params.name));
    if (!asset) return next();
    res.sendFile(asset.file, { maxAge: ASSET_MAX_AGE_MS, headers: { "Content-Type": asset.contentType } }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  });
}
