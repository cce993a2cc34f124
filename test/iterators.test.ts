import { InMemoryEventBus } from "../src/events/event-bus";
import { mapIterator, startWith } from "../src/events/iterators";

describe("subscription iterators", () => {
  test("mapIterator maps each value and, when returned while waiting, ends at once and frees the bus listener", async () => {
    const bus = new InMemoryEventBus();
    const mapped = mapIterator(bus.subscribe<number>("t"), (n) => n * 2);
    const first = mapped.next();
    bus.publish("t", 21);
    expect(await first).toEqual({ value: 42, done: false });
    const waiting = mapped.next(); // nothing published: this would wait forever
    await mapped.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount("t")).toBe(0);
  });

  test("startWith yields the current value first, keeps what was published meanwhile, and frees the listener on return", async () => {
    const bus = new InMemoryEventBus();
    const stream = bus.subscribe<string>("p");
    let release!: (v: string) => void;
    const it = startWith(() => new Promise<string>((r) => (release = r)), stream);
    const first = it.next();
    bus.publish("p", "published while the first value was read");
    release("current");
    expect(await first).toEqual({ value: "current", done: false });
    expect(await it.next()).toEqual({ value: "published while the first value was read", done: false });
    const waiting = it.next();
    await it.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount("p")).toBe(0);
  });
});
