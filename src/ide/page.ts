/** The HTML of the IDE page: GraphiQL with the example tabs, talking to the API on the same origin. */
import type { ExampleTab } from "./examples";
import { IDE_ASSETS_PATH, IDE_SCRIPTS, IDE_STYLESHEETS } from "./assets";
import { IDE_START_SCRIPT } from "./start-script";

export interface IdePageOptions {
  graphqlPath: string;
  tabs: readonly ExampleTab[];
  title?: string;
}

/** JSON safe to embed in a <script> data block: `<` can't close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderIdePage(options: IdePageOptions): string {
  const title = escapeHtml(options.title ?? "GraphQL IDE");
  const config = scriptJson({ graphqlPath: options.graphqlPath, tabs: options.tabs });
  const styles = IDE_STYLESHEETS.map((name) => `    <link rel="stylesheet" href="${IDE_ASSETS_PATH}/${name}" />`).join("\n");
  const scripts = [...IDE_SCRIPTS, IDE_START_SCRIPT]
    .map((name) => `    <script src="${IDE_ASSETS_PATH}/${name}"></script>`)
    .join("\n");
  // The settings are a JSON data block (never executed); the start-up script, last, reads them.
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <style>
      body { margin: 0; height: 100vh; overflow: hidden; }
      #graphiql { height: 100vh; }
    </style>
${styles}
  </head>
  <body>
    <div id="graphiql">Loading the GraphQL IDE…</div>
    <script type="application/json" id="ide-config">${config}</script>
${scripts}
  </body>
</html>
`;
}
