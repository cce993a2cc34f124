/**
 * The IDE page's start-up script, served as a file (IDE_START_SCRIPT under the assets path) rather
 * than inline, so the Content-Security-Policy allows only this server's script files. It reads the
 * page's settings from the JSON data block `#ide-config` and renders GraphiQL.
 *
 * Subscriptions: GraphiQL's fetcher sends subscription operations over graphql-ws (its bundled
 * client) to subscriptionUrl, the same path as HTTP, so they reach the server's graphql-ws endpoint.
 * defaultTabs apply when the browser has no saved tabs; "Clear storage" in GraphiQL's settings brings
 * them back.
 */
export const IDE_START_SCRIPT = "start.js";

export const IDE_START_SCRIPT_SOURCE = `(function () {
  var config = JSON.parse(document.getElementById("ide-config").textContent);
  // GraphiQL 3 opens the first default tab with the saved variables, not the tab's own: on a first
  // visit (no saved tabs), save the tab's variables so its editor shows them.
  try {
    if (localStorage.getItem("graphiql:tabState") === null && config.tabs.length && config.tabs[0].variables) {
      localStorage.setItem("graphiql:variables", config.tabs[0].variables);
    }
  } catch (e) {}
  var wsProtocol = location.protocol === "https:" ? "wss:" : "ws:";
  var send = GraphiQL.createFetcher({
    url: config.graphqlPath,
    subscriptionUrl: wsProtocol + "//" + location.host + config.graphqlPath,
  });
  // GraphiQL 3 updates the operation name it sends a moment after a tab switch or an edit: a run in
  // that moment sends the previous tab's name with the new text, which the server refuses ("Unknown
  // operation named ..."). When the text has one named operation and the name sent is not it, send
  // the text's. Operations start a line; comment lines start with "#".
  function namedOperations(query) {
    var names = [];
    var pattern = /^[ \t]*(?:query|mutation|subscription)[ \t]+([_A-Za-z][_0-9A-Za-z]*)/gm;
    var match;
    while ((match = pattern.exec(query)) !== null) names.push(match[1]);
    return names;
  }
  var fetcher = function (params, options) {
    var names = typeof params.query === "string" ? namedOperations(params.query) : [];
    if (names.length === 1 && params.operationName && params.operationName !== names[0]) {
      params = Object.assign({}, params, { operationName: names[0] });
    }
    return send(params, options);
  };
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.tabs,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
`;
