/** The HTML of the IDE page: GraphiQL with the example tabs, talking to the API on the same origin. */
import type { ExampleTab } from "./examples";
import { IDE_ASSETS_PATH, IDE_SCRIPTS, IDE_STYLESHEETS } from "./assets";

export interface IdePageOptions {
  graphqlPath: string;
  tabs: readonly ExampleTab[];
  title?: string;
}

/** JSON safe to embed in a <script> element: `<` can't close the element or open a comment. */
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
  const scripts = IDE_SCRIPTS.map((name) => `    <script src="${IDE_ASSETS_PATH}/${name}"></script>`).join("\n");
  // Subscriptions: GraphiQL's fetcher sends subscription operations over graphql-ws (its bundled
  // client) to subscriptionUrl, the same path as HTTP, so they reach the server's graphql-ws endpoint.
  // defaultTabs apply when the browser has no saved tabs; "Clear storage" in GraphiQL's settings brings them back.
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <style>
      body { margin: 0; height: 100vh; overflow: hidden; }
      #graphiql { height: 100vh; }
    </style>
${styles}
  </head>
  <body>
    <div id="graphiql">Loading the GraphQL IDE…</div>
${scripts}
    <script>
      (function () {
        var config = ${config};
        // GraphiQL 3 opens the first default tab with the saved variables, not the tab's own: on a
        // first visit (no saved tabs), save the tab's variables so its editor shows them.
        try {
          if (localStorage.getItem("graphiql:tabState") === null && config.tabs.length && config.tabs[0].variables) {
            localStorage.setItem("graphiql:variables", config.tabs[0].variables);
          }
        } catch (e) {}
        var wsProtocol = location.protocol === "https:" ? "wss:" : "ws:";
        var fetcher = GraphiQL.createFetcher({
          url: config.graphqlPath,
          subscriptionUrl: wsProtocol + "//" + location.host + config.graphqlPath,
        });
        ReactDOM.createRoot(document.getElementById("graphiql")).render(
          React.createElement(GraphiQL, {
            fetcher: fetcher,
            defaultTabs: config.tabs,
            defaultEditorToolsVisibility: true,
            shouldPersistHeaders: false,
          }),
        );
      })();
    </script>
  </body>
</html>
`;
}
