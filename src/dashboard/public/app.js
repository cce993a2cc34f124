// The dashboard: hash routes, one view per route (views/), live progress over graphql-ws.
import { onConnection } from "./api.js";
import { app, h, leaveView } from "./dom.js";
import { compareView } from "./views/compare.js";
import { experimentView } from "./views/experiment.js";
import { experimentsView } from "./views/experiments.js";
import { modelsView } from "./views/models.js";
import { noteView } from "./views/note.js";
import { resultsView } from "./views/results.js";
import { caseReviewView, reviewQueueView } from "./views/review.js";
import { summaryView } from "./views/summary.js";

// ---------- Router ----------

/** Routes started, and the latest of them whose view has drawn itself. */
let started = 0;
let drawn = 0;

async function route() {
  const mine = ++started;
  leaveView();
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  let m;
  try {
    if ((m = /^\/experiments\/(\d+)\/notes\/(\d+)$/.exec(path))) await noteView(Number(m[1]), Number(m[2]));
    else if ((m = /^\/experiments\/(\d+)\/results$/.exec(path))) await resultsView(Number(m[1]), params);
    else if ((m = /^\/experiments\/(\d+)\/summary$/.exec(path))) await summaryView(Number(m[1]));
    else if (path === "/compare") await compareView(params);
    else if ((m = /^\/experiments\/(\d+)$/.exec(path))) await experimentView(Number(m[1]));
    else if ((m = /^\/cases\/(\d+)$/.exec(path))) await caseReviewView(Number(m[1]));
    else if (path === "/review") await reviewQueueView();
    else if (path === "/models") await modelsView();
    else await experimentsView();
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") {
      // The session cookie is HttpOnly: this page cannot log in by itself, the login URL does it.
      app.replaceChildren(
        h("h1", {}, "Log in"),
        h(
          "p",
          {},
          "Open the login URL the server printed when it first started (…/login?token=…), or create one on the server: " +
            "npm run cli -- tokens create --name <you> --role viewer --login-url",
        ),
      );
      return;
    }
    app.replaceChildren(h("h1", {}, "Something went wrong"), h("pre", { class: "error" }, error.message));
  } finally {
    // A view draws itself when its data arrives. When the user moved on while it loaded and the later
    // view arrived first, this one has just drawn over it (and left its cleanups): route again.
    const overtaken = mine < drawn;
    drawn = Math.max(drawn, mine);
    if (overtaken) route();
  }
}

const connection = document.getElementById("connection");
onConnection((state) => {
  connection.textContent = state === "reconnecting" ? "reconnecting…" : "● live";
  connection.dataset.state = state;
});
window.addEventListener("hashchange", route);
route();
