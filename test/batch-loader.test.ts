import { makeBatchLoader } from "../src/services/batch-loader";

describe("makeBatchLoader", () => {
  test("loads the keys of one tick in one call, deduplicated, with a default for missing keys", async () => {
    const calls: number[][] = [];
    const load = makeBatchLoader(async (keys: number[]) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== 3).map((k) => [k, k * 10]));
    }, -1);
    expect(await Promise.all([load(1), load(2), load(1), load(3)])).toEqual([10, 20, 10, -1]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  test("does not keep results past their batch, and passes a failure to every waiting load", async () => {
    let version = 0;
    const load = makeBatchLoader(async (keys: number[]) => new Map(keys.map((k) => [k, `${k}@${version}`])), "");
    expect(await load(1)).toBe("1@0");
    version = 1;
    expect(await load(1)).toBe("1@1");
    const failing = makeBatchLoader<number, number>(async () => {
      throw new Error("database gone");
    }, 0);
    await expect(Promise.all([failing(1), failing(2)])).rejects.toThrow("database gone");
  });
});
