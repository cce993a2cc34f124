import { csvCell, toCsv, type ExportRow } from "../src/cli/export";

describe("CSV export", () => {
  test("text cells a spreadsheet would run as formulas are written as text", () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csvCell("+1+1")).toBe("'+1+1");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("\r=1")).toBe(`"'\r=1"`);
    expect(csvCell("med-management/Patient_1")).toBe("med-management/Patient_1");
  });

  test("numbers stay numbers, negative ones included", () => {
    expect(csvCell(-1.5)).toBe("-1.5");
    expect(csvCell(0)).toBe("0");
    expect(csvCell(null)).toBe("");
  });

  test("a row whose case name and author are formulas comes out neutralised", () => {
    const row: ExportRow = {
      experimentId: 1,
      version: "v1",
      generatorName: "builtin",
      resultId: 2,
      caseId: 3,
      caseName: "=cmd|' /C calc'!A0",
      combinationId: 4,
      combination: "a → b",
      generator: "openai/default",
      grader: "@anthropic/default",
      graderIsReasoning: false,
      overlap: 100,
      noteReplication: 0,
      noteFailed: false,
      noteCostUsd: 0.01,
      generatorKind: "command",
      generatorCommit: "9f2c1e0d4b7a8c6e5f3a2b1c0d9e8f7a6b5c4d3e",
      promptVersion: null,
      noteModel: "-gpt",
      noteInputTokens: 10,
      noteOutputTokens: 5,
      noteDurationMs: 1200,
      gradeId: 5,
      gradeReplication: 0,
      gradeCostUsd: 0.002,
      gradeInputTokens: 100,
      gradeOutputTokens: 20,
      rubricId: 6,
      rubricAuthor: "+ana@example.com",
      overallScore: -10,
      criteria: { "0": { score: -10, satisfaction: 60, criterion: "=Penalize x", weight: 25, sense: "negative" } },
    };
    const [, line] = toCsv([row]).trim().split("\n");
    expect(line).toBe(
      `1,v1,builtin,2,3,'=cmd|' /C calc'!A0,4,openai/default,'@anthropic/default,false,100,0,0.01,` +
        `command,9f2c1e0d4b7a8c6e5f3a2b1c0d9e8f7a6b5c4d3e,,'-gpt,10,5,1200,` +
        `5,0,0.002,100,20,6,'+ana@example.com,-10,-10,60,'=Penalize x,25,negative`,
    );
  });
});
