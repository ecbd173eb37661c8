/**
 * What the OpenTelemetry hooks cost per assess, against the same guard without them, in the same
 * process and on the same attempts:
 * - whole guard: three guards (no telemetry; `openTelemetry()` on the global API with no provider
 *   registered, i.e. OpenTelemetry's no-op; the real SDK with a batch span processor and a metric
 *   reader) replay the same stream in interleaved rounds, so drift in machine load hits all three;
 * - the hook alone: `telemetry.assess` around an already-made decision, against calling `run` bare,
 *   which isolates the wrapper from the assessment's own noise.
 */
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Decision, GuardTelemetry } from '../src/types/index.js';
import { loadDist } from './hot-path.js';
import { benchStream } from './stream.js';

type Otel = typeof import('../src/observability/opentelemetry/index.js');

/** An exporter that drops the batch: what an OTLP exporter costs in process, minus the network. */
class DiscardingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

const us = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;

export async function telemetryCost(quick: boolean): Promise<void> {
  const { createGuard, memoryStore } = await loadDist();
  const { openTelemetry } = (await import(new URL('../dist/opentelemetry.js', import.meta.url).href)) as Otel;

  const spans = new DiscardingExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans, { maxQueueSize: 8192, maxExportBatchSize: 2048 })] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });

  const variants: { name: string; telemetry?: GuardTelemetry }[] = [
    { name: 'no telemetry' },
    { name: '`openTelemetry()`, no provider registered (OpenTelemetry no-op)', telemetry: openTelemetry() },
    {
      name: '`openTelemetry({ tracer, meter })`, real SDK (batch span processor, metric reader)',
      telemetry: openTelemetry({ tracer: tracerProvider.getTracer('bench'), meter: meterProvider.getMeter('bench') }),
    },
  ];

  const warm = quick ? 10_000 : 30_000;
  const rounds = quick ? 6 : 12;
  const perRound = quick ? 5_000 : 10_000;
  const stream = benchStream(warm + rounds * perRound);
  let now = stream[0]!.at;
  const guards = variants.map((variant) =>
    createGuard({
      preset: 'cloud-drive',
      store: memoryStore({ now: () => now }),
      hashKey: 'benchmark-key-0123456789',
      clock: () => now,
      ...(variant.telemetry ? { telemetry: variant.telemetry } : {}),
    }),
  );

  async function replay(index: number, from: number, to: number): Promise<number> {
    const guard = guards[index]!;
    let timed = 0;
    for (let i = from; i < to; i++) {
      const attempt = stream[i]!;
      now = attempt.at;
      const t0 = performance.now();
      const decision = await guard.assess(attempt);
      timed += performance.now() - t0;
      if (decision.action === 'step_up') await guard.recordOutcome(decision.id, { check: 'password', passed: true });
    }
    return timed;
  }

  for (let index = 0; index < guards.length; index++) await replay(index, 0, warm);
  const totals = variants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const from = warm + round * perRound;
    // Rotate the order each round: none of the three always runs first (or last) in a round.
    for (let k = 0; k < guards.length; k++) {
      const index = (round + k) % guards.length;
      totals[index]!.push((await replay(index, from, from + perRound)) / perRound);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  /** Median over rounds of (variant - no telemetry) in the same round: load drift between rounds cancels. */
  const pairedOver = (index: number, by: number[][]) => median(by[index]!.map((value, round) => value - by[0]![round]!));
  const signed = (ms: number) => `${ms >= 0 ? '+' : '-'}${us(Math.abs(ms))}`;
  console.log(
    `${rounds} interleaved rounds of ${perRound.toLocaleString('en-US')} attempts per guard (after ${warm.toLocaleString('en-US')} warm-up attempts each); the rounds' mean time per assess:\n`,
  );
  console.log('| guard | mean per assess (median of rounds) | over no telemetry (median of the per-round differences) |');
  console.log('|---|---|---|');
  for (const [index, variant] of variants.entries()) {
    console.log(`| ${variant.name} | ${us(median(totals[index]!))} | ${index === 0 ? '-' : signed(pairedOver(index, totals))} |`);
  }

  // The hook alone, around a decision that is already made.
  const decision = await guards[0]!.assess(stream[0]!);
  const made = Promise.resolve(decision);
  const run = (): Promise<Decision> => made;
  const calls = quick ? 100_000 : 300_000;
  async function timeHook(wrap: ((run: () => Promise<Decision>) => Promise<Decision>) | undefined): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await (wrap ? wrap(run) : run());
    return (performance.now() - t0) / calls;
  }
  const hookRounds = 5;
  const hook = variants.map(() => [] as number[]);
  for (let round = 0; round < hookRounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const index = (round + k) % variants.length;
      const telemetry = variants[index]!.telemetry;
      hook[index]!.push(await timeHook(telemetry ? (inner) => telemetry.assess(() => inner()) : undefined));
    }
  }
  console.log(
    `\nThe hook alone: \`telemetry.assess\` around a decision already made, ${calls.toLocaleString('en-US')} calls per round, ${hookRounds} interleaved rounds:\n`,
  );
  console.log('| hook | per call (median of rounds) | over calling `run` bare (median of the per-round differences) |');
  console.log('|---|---|---|');
  for (const [index, variant] of variants.entries()) {
    if (index === 0) continue;
    const over = pairedOver(index, hook);
    const target = index === 1 ? ` (target < 2 µs: ${over < 0.002 ? 'met' : '**not met**'})` : '';
    console.log(`| ${variant.name} | ${us(median(hook[index]!))} | ${signed(over)}${target} |`);
  }
  await tracerProvider.forceFlush();
  console.log(`\nspans exported by the SDK guard: ${spans.exported.toLocaleString('en-US')}`);
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
}
