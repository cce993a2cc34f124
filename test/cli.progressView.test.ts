/**
 * The CLI's progress view on a terminal, read back through a small terminal model (cursor moves,
 * line clears, and the "^C" a terminal echoes when Ctrl-C is pressed), and Ctrl-C signal handling.
 */
import { Writable } from "node:stream";
import { onePerKeypress } from "../src/cli/io";
import { ProgressView, type ProgressSnapshot } from "../src/cli/progress";

/** The screen a VT100-style terminal shows for what was written: \r, \n, ESC[nA, ESC[J, ESC[2K. */
class Screen extends Writable {
  isTTY = true;
  columns = 100;
  rows: string[] = [""];
  private row = 0;
  private col = 0;

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.type(String(chunk));
    done();
  }

  type(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "\x1b") {
        // eslint-disable-next-line no-control-regex -- reading escape sequences is the point
        const m = /^\x1b\[(\d*)([AJK])/.exec(text.slice(i))!;
        const n = Number(m[1] || 0);
        if (m[2] === "A") this.row = Math.max(0, this.row - (n || 1));
        else if (m[2] === "J") {
          this.rows[this.row] = this.rows[this.row].slice(0, this.col);
          this.rows.length = this.row + 1;
        } else if (n === 2) this.rows[this.row] = "";
        i += m[0].length - 1;
      } else if (ch === "\r") this.col = 0;
      else if (ch === "\n") {
        this.row++;
        this.col = 0;
        this.rows[this.row] ??= "";
      } else {
        const line = this.rows[this.row].padEnd(this.col);
        this.rows[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
    }
  }
}

const counts = (succeeded: number) => ({ expected: 10, succeeded, failed: 0, running: 1, pending: 9 - succeeded });
const snapshot = (succeeded: number): ProgressSnapshot => ({
  runId: 3,
  runStatus: "running",
  done: false,
  notes: counts(succeeded),
  grades: counts(0),
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  unpriced: 0,
  elapsedMs: 1000,
  etaMs: null,
});

test("a message after Ctrl-C's echoed ^C starts at the left edge, and the bars are redrawn whole below it", () => {
  const screen = new Screen();
  const view = new ProgressView({ out: screen });
  view.update(snapshot(2));
  view.update(snapshot(3));
  screen.type("^C"); // what the terminal echoes where the cursor is
  view.log("Ctrl-C: cancelling run 3…");

  expect(screen.rows[0]).toBe("Ctrl-C: cancelling run 3…");
  expect(screen.rows[1]).toMatch(/^notes +\[/);
  expect(screen.rows[1]).toContain("3/10 done");
  expect(screen.rows[2]).toMatch(/^grades +\[/);
  expect(screen.rows[3]).toMatch(/^cost \$/);
});

test("two SIGINTs of one keypress (the terminal's and npm's forwarded copy) count once; a later one counts again", () => {
  let now = 1000;
  const calls: number[] = [];
  const onSignal = onePerKeypress(
    () => calls.push(now),
    () => now,
  );
  onSignal();
  now += 5;
  onSignal();
  expect(calls).toEqual([1000]);
  now += 2000;
  onSignal();
  expect(calls).toEqual([1000, 3005]);
});

test("each vendor key's limit, its processes and the reason of its last change show below the bars and in the plain line", () => {
  const limits = [
    {
      vendor: "openai",
      baseUrl: "http://127.0.0.1:8787/v1",
      limit: 16,
      processes: 2,
      reason: "halved to 8 on a 429; paused 1000 ms",
    },
  ];
  const screen = new Screen();
  new ProgressView({ out: screen }).update({ ...snapshot(2), limits });
  expect(screen.rows).toContain(
    "openai http://127.0.0.1:8787/v1: limit 16 across 2 processes, halved to 8 on a 429; paused 1000 ms",
  );
  let plain = "";
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((plain += String(chunk)), done()) });
  new ProgressView({ out }).update({ ...snapshot(2), limits: [{ ...limits[0], processes: 1, reason: null }] });
  expect(plain).toMatch(/ETA \? {2}openai http:\/\/127\.0\.0\.1:8787\/v1: limit 16\n$/);
});
