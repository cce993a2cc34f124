/** The contract's documented examples are what the code writes and accepts, and the generators file is checked. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseGeneratorsFile } from "../src/generators/definitions";
import { makeJobDocument } from "../src/generators/job-document";
import { parseResultDocument } from "../src/generators/result-document";

const CONTRACT = path.join(__dirname, "..", "docs", "generator-contract");
const read = (name: string) => JSON.parse(readFileSync(path.join(CONTRACT, name), "utf8"));

describe("the generator contract", () => {
  test("the job example has exactly the shape makeJobDocument writes", () => {
    const example = read("job.example.json");
    const written = makeJobDocument(
      {
        case: example.case,
        overlap: example.cycle.transcriptOverlap,
        cycleTime: example.cycle.time,
        replication: example.replication,
        attempt: example.attempt,
        experiment: { id: example.experiment.id, name: example.experiment.name, hyperscribeVersion: example.experiment.version },
        model: { vendor: "openai", apiKey: "sk-never-in-the-document", model: "", baseUrl: null },
        modelName: example.model.name,
        signal: new AbortController().signal,
      },
      example.experiment.commit,
    );
    expect(written).toEqual(example);
    expect(JSON.stringify(written)).not.toContain("sk-never");
    expect(Object.keys(read("job.schema.json").properties).sort()).toEqual(Object.keys(written).sort());
  });

  test("the result example is accepted; a missing cost comes from the price table", () => {
    const result = parseResultDocument(readFileSync(path.join(CONTRACT, "result.example.json"), "utf8"), {
      model: "asked",
      priceOf: (model, input, output) => (model === "gpt-4.1-2025-04-14" ? input + output : -1),
    });
    expect(result).toMatchObject({ model: "gpt-4.1-2025-04-14", inputTokens: 812, outputTokens: 64, costUsd: 876, cycles: 1 });
  });

  test.each([
    ['{"note": "text"}', '"note" must be a JSON object or array'],
    ['{"note": {}, "usage": {"inputTokens": -1}}', "usage.inputTokens must be a number >= 0"],
    ['{"note": {}} {"note": {}}', "not one JSON value"],
    ["[1, 2]", "the output must be a JSON object"],
  ])("refuses %s", (text, message) => {
    expect(() => parseResultDocument(text, { model: "m", priceOf: () => 0 })).toThrow(message);
  });

  test.each([
    ['{"generators": [{"name": "builtin", "kind": "command", "command": ["x"]}]}', 'the name "builtin" is taken'],
    ['{"generators": [{"name": "a", "kind": "command", "command": "node gen.js"}]}', '"command" must be a non-empty array'],
    ['{"generators": [{"name": "a", "kind": "shell"}]}', '"kind" must be one of builtin, command, http'],
    ['{"generators": [{"name": "a", "kind": "http", "url": "file:///etc/passwd"}]}', '"url" must be an http(s) URL'],
    ['{"generators": [{"name": "a", "kind": "builtin", "promptVersion": "note-v9"}]}', '"promptVersion" must be one of note-v1'],
    ["{generators: []}", "not JSON"],
  ])("a generators file %s is refused at start-up naming the problem", (text, message) => {
    expect(() => parseGeneratorsFile("/etc/g.json", text, {}, ["note-v1"])).toThrow(message);
  });

  test("a command generator receives PATH and the variables it names, nothing else of the server's environment", () => {
    const [, mine] = parseGeneratorsFile(
      "/srv/g.json",
      '{"generators": [{"name": "mine", "kind": "command", "command": ["gen"], "env": ["HOME"], "repository": "../repo"}]}',
      { PATH: "/bin", HOME: "/home/op", DATABASE_URL: "postgres://secret" },
      ["note-v1"],
    );
    expect(mine).toMatchObject({ env: { PATH: "/bin", HOME: "/home/op" }, repository: "/repo", cwd: "." });
  });
});
