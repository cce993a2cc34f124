/**
 * The IDE's browser files, served from the installed packages (never a CDN) so the IDE works offline.
 * Paths are resolved through each package's package.json: their `exports` hide the UMD files from
 * require.resolve, and resolving at run time keeps this working from both src/ (ts-node, jest) and dist/.
 */
import path from "node:path";

export interface IdeAsset {
  /** Absolute path of the file in node_modules. */
  file: string;
  contentType: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const MAP = "application/json; charset=utf-8";

function inPackage(pkg: string, relative: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), relative);
}

/** URL path prefix of the assets, below the server root. */
export const IDE_ASSETS_PATH = "/ide/assets";

/**
 * By file name under IDE_ASSETS_PATH. Only these are served: nothing else of node_modules is exposed.
 * GraphiQL 3's UMD bundle includes its toolkit and a graphql-ws client; it needs React 18's UMD builds
 * as the globals React and ReactDOM, so those load first.
 */
export function makeIdeAssets(): Map<string, IdeAsset> {
  return new Map([
    ["react.production.min.js", { file: inPackage("react", "umd/react.production.min.js"), contentType: JS }],
    ["react-dom.production.min.js", { file: inPackage("react-dom", "umd/react-dom.production.min.js"), contentType: JS }],
    ["graphiql.min.js", { file: inPackage("graphiql", "graphiql.min.js"), contentType: JS }],
    // graphiql.min.js ends with `sourceMappingURL=index.umd.js.map`: serve it under that name for devtools.
    ["index.umd.js.map", { file: inPackage("graphiql", "dist/index.umd.js.map"), contentType: MAP }],
    ["graphiql.min.css", { file: inPackage("graphiql", "graphiql.min.css"), contentType: CSS }],
  ]);
}

/** The scripts, in load order, and the stylesheets the page references. */
export const IDE_SCRIPTS = ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"];
export const IDE_STYLESHEETS = ["graphiql.min.css"];
